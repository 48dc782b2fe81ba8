ALTER TABLE supervise_proposals DROP COLUMN current_file;
