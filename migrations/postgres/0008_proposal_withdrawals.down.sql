DROP TABLE supervise_withdrawals;
DROP FUNCTION supervise_withdrawals_archive_and_audit();
DROP FUNCTION supervise_withdrawals_own_bottle();
DROP FUNCTION bb_audit_append(text, text, text, text, text, text, text);
