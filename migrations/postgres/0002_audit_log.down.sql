DROP TABLE supervise_audit_entries;
