-- bot-bottle: additive
-- The file a proposal would replace, as the sidecar read it, so the host can show and audit an
-- exact current -> final diff. NULL when there was no current file or an older sidecar wrote the row.
ALTER TABLE supervise_proposals ADD COLUMN current_file TEXT;
