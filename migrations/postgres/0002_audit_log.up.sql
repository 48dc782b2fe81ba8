-- bot-bottle: additive
-- The audit log of operator decisions. Append-only for every role: nobody is granted UPDATE or
-- DELETE. A broker reads none of it; its one entry (a withdrawal, migration 0008) is written by
-- a trigger that runs as the table's owner. Ids are numbered by the writer under the audit
-- chain's lock (bb_audit_append, migration 0008), not by a sequence, so they stay contiguous as on
-- SQLite: a sequence would leave a gap at every rolled-back write, and a gap means a deletion.
CREATE TABLE supervise_audit_entries (
    id              bigint PRIMARY KEY NOT NULL,
    timestamp       text   NOT NULL,
    bottle_slug     text   NOT NULL CHECK (length(bottle_slug) > 0),
    component       text   NOT NULL,
    operator_action text   NOT NULL,
    operator_notes  text   NOT NULL DEFAULT '',
    justification   text   NOT NULL DEFAULT '',
    diff            text   NOT NULL DEFAULT ''
);

CREATE INDEX supervise_audit_entries_by_slug
    ON supervise_audit_entries (bottle_slug, timestamp);

CREATE INDEX supervise_audit_entries_by_component
    ON supervise_audit_entries (component, timestamp);

CREATE INDEX supervise_audit_entries_by_time
    ON supervise_audit_entries (timestamp);

ALTER TABLE supervise_audit_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_all ON supervise_audit_entries TO bot_bottle_operator USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON supervise_audit_entries TO bot_bottle_operator;
