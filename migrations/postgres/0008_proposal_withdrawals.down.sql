DROP TABLE supervise_withdrawals;
DROP FUNCTION supervise_withdrawals_archive_and_audit();
DROP FUNCTION bb_audit_append(text, text, text, text, text, text, text);
