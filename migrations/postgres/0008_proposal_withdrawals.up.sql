-- bot-bottle: additive
-- An agent may withdraw a proposal it no longer needs (see the SQLite migration 0008). A
-- withdrawal is a row of its own; inserting it archives the proposal and writes its audit entry.
-- Here the server, not the broker, numbers and chains that entry (a broker cannot read the audit
-- log): whatever audit_* values the insert carries are replaced.
--
-- Every audit entry on PostgreSQL is appended by bb_audit_append, which holds one transaction
-- advisory lock while it reads the chain's head and inserts, so concurrent writers on any host
-- chain one after another instead of forking the chain.
CREATE FUNCTION bb_audit_append(ts text, bottle_slug text, component text, operator_action text,
                                operator_notes text, justification text, diff text)
RETURNS supervise_audit_entries
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    head  text;
    entry supervise_audit_entries;
BEGIN
    -- 'bbaudit' in ASCII: the one key every audit writer serialises on.
    PERFORM pg_advisory_xact_lock(27692718438508916);
    SELECT e.id, e.entry_hash INTO entry.id, head FROM supervise_audit_entries AS e ORDER BY e.id DESC LIMIT 1;
    entry.id := coalesce(entry.id, 0) + 1;
    entry.timestamp := ts;
    entry.bottle_slug := bottle_slug;
    entry.component := component;
    entry.operator_action := operator_action;
    entry.operator_notes := operator_notes;
    entry.justification := justification;
    entry.diff := diff;
    entry.prev_hash := coalesce(head, '0000000000000000000000000000000000000000000000000000000000000000');
    entry.entry_hash := bb_audit_hash(entry.prev_hash, entry.id, ts, bottle_slug, component,
                                      operator_action, operator_notes, justification, diff);
    INSERT INTO supervise_audit_entries SELECT entry.*;
    RETURN entry;
END
$$;

REVOKE ALL ON FUNCTION bb_audit_append(text, text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bb_audit_append(text, text, text, text, text, text, text) TO bot_bottle_operator;

CREATE TABLE supervise_withdrawals (
    proposal_id     text   PRIMARY KEY NOT NULL REFERENCES supervise_proposals (id) ON DELETE CASCADE,
    withdrawn_at    text   NOT NULL,
    reason          text   NOT NULL,
    diff            text   NOT NULL DEFAULT '',
    audit_id        bigint NOT NULL,
    audit_prev_hash text   NOT NULL,
    audit_hash      text   NOT NULL
);

-- A broker withdraws only its own bottles' proposals. This check runs with the broker's own rights
-- (row-level security hides other bottles' proposals), before the trigger below that runs as the
-- owner: triggers of one event fire in name order, hence the numbers.
CREATE FUNCTION supervise_withdrawals_own_bottle() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM supervise_proposals WHERE id = NEW.proposal_id) THEN
        RAISE EXCEPTION 'a broker may withdraw only its own bottles'' proposals' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER supervise_withdrawals_1_own_bottle
BEFORE INSERT ON supervise_withdrawals
FOR EACH ROW EXECUTE FUNCTION supervise_withdrawals_own_bottle();

CREATE FUNCTION supervise_withdrawals_archive_and_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    proposal supervise_proposals;
    entry    supervise_audit_entries;
BEGIN
    SELECT * INTO proposal FROM supervise_proposals WHERE id = NEW.proposal_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM supervise_responses WHERE proposal_id = NEW.proposal_id) THEN
        RAISE EXCEPTION 'the proposal was already answered: its decision stands' USING ERRCODE = 'check_violation';
    END IF;
    IF proposal.archived = 1 THEN
        RAISE EXCEPTION 'the proposal is already archived' USING ERRCODE = 'check_violation';
    END IF;
    UPDATE supervise_proposals SET archived = 1 WHERE id = NEW.proposal_id;
    entry := bb_audit_append(NEW.withdrawn_at, proposal.bottle_slug, proposal.tool, 'withdrawn',
                             NEW.reason, proposal.justification, NEW.diff);
    NEW.audit_id := entry.id;
    NEW.audit_prev_hash := entry.prev_hash;
    NEW.audit_hash := entry.entry_hash;
    RETURN NEW;
END
$$;

CREATE TRIGGER supervise_withdrawals_2_archive_and_audit
BEFORE INSERT ON supervise_withdrawals
FOR EACH ROW EXECUTE FUNCTION supervise_withdrawals_archive_and_audit();

ALTER TABLE supervise_withdrawals ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_all ON supervise_withdrawals TO bot_bottle_operator USING (true) WITH CHECK (true);
CREATE POLICY broker_own ON supervise_withdrawals TO bot_bottle_broker
    USING (EXISTS (SELECT 1 FROM supervise_proposals AS p WHERE p.id = proposal_id))
    WITH CHECK (EXISTS (SELECT 1 FROM supervise_proposals AS p WHERE p.id = proposal_id));
GRANT SELECT, INSERT ON supervise_withdrawals TO bot_bottle_operator, bot_bottle_broker;
