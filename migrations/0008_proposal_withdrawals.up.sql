-- bot-bottle: additive
-- An agent may withdraw a proposal it no longer needs (the MCP tasks extension's tasks/cancel).
-- A withdrawal is a row of its own; inserting it archives the proposal, so it leaves the
-- operator's pending list, and writes its audit entry, in the one statement. The sidecar's
-- authorizer lets it write audit entries and archive an unanswered proposal only from inside
-- this trigger, so a sidecar can never drop a proposal silently nor forge a decision: the only
-- entry it can cause is "withdrawn", of its own bottle's unanswered proposal. It computes the
-- entry's id and hash chain itself (the chain is SHA-256, which SQL has not), and audit verify
-- checks them like any other entry's.
CREATE TABLE supervise_withdrawals (
    proposal_id     TEXT    PRIMARY KEY NOT NULL REFERENCES supervise_proposals (id) ON DELETE CASCADE,
    withdrawn_at    TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    diff            TEXT    NOT NULL DEFAULT '',
    audit_id        INTEGER NOT NULL,
    audit_prev_hash TEXT    NOT NULL,
    audit_hash      TEXT    NOT NULL
) STRICT;

-- A sidecar withdraws only its own bottle's proposals (bb_writer_bottle(): see migration 0007).
CREATE TRIGGER supervise_withdrawals_own_bottle
BEFORE INSERT ON supervise_withdrawals
WHEN bb_writer_bottle() IS NOT NULL
    AND (SELECT bottle_slug FROM supervise_proposals WHERE id = NEW.proposal_id) IS NOT bb_writer_bottle()
BEGIN
    SELECT RAISE(ABORT, 'a sidecar may withdraw only its own bottle''s proposals');
END;

CREATE TRIGGER supervise_withdrawals_archive_and_audit
AFTER INSERT ON supervise_withdrawals
BEGIN
    SELECT RAISE(ABORT, 'the proposal was already answered: its decision stands')
    WHERE EXISTS (SELECT 1 FROM supervise_responses WHERE proposal_id = NEW.proposal_id);
    SELECT RAISE(ABORT, 'the proposal is already archived')
    WHERE (SELECT archived FROM supervise_proposals WHERE id = NEW.proposal_id) = 1;
    UPDATE supervise_proposals SET archived = 1 WHERE id = NEW.proposal_id;
    INSERT INTO supervise_audit_entries (id, timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff, prev_hash, entry_hash)
    SELECT NEW.audit_id, NEW.withdrawn_at, p.bottle_slug, p.tool, 'withdrawn', NEW.reason, p.justification, NEW.diff, NEW.audit_prev_hash, NEW.audit_hash
    FROM supervise_proposals AS p WHERE p.id = NEW.proposal_id;
END;
