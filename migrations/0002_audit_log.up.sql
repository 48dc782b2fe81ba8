-- bot-bottle: additive
-- The audit log of operator decisions. Additive: a binary that only knows 0001 keeps working.

CREATE TABLE supervise_audit_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp       TEXT    NOT NULL,
    bottle_slug     TEXT    NOT NULL CHECK (length(bottle_slug) > 0),
    component       TEXT    NOT NULL,
    operator_action TEXT    NOT NULL,
    operator_notes  TEXT    NOT NULL DEFAULT '',
    justification   TEXT    NOT NULL DEFAULT '',
    diff            TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX supervise_audit_entries_by_slug
    ON supervise_audit_entries (bottle_slug, timestamp);

CREATE INDEX supervise_audit_entries_by_component
    ON supervise_audit_entries (component, timestamp);

CREATE INDEX supervise_audit_entries_by_time
    ON supervise_audit_entries (timestamp);
