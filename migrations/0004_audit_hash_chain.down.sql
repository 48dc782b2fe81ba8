ALTER TABLE supervise_audit_entries DROP COLUMN entry_hash;
ALTER TABLE supervise_audit_entries DROP COLUMN prev_hash;
