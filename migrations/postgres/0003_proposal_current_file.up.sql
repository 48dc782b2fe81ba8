-- bot-bottle: additive
-- The file a proposal would replace, as the sidecar read it (see the SQLite migration 0003).
ALTER TABLE supervise_proposals ADD COLUMN current_file text;
