DROP FUNCTION bb_audit_hash(text, bigint, text, text, text, text, text, text, text);
ALTER TABLE supervise_audit_entries DROP COLUMN entry_hash;
ALTER TABLE supervise_audit_entries DROP COLUMN prev_hash;
