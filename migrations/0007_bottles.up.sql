-- bot-bottle: additive
-- The bottles the host runs, so a dashboard sees them beside their proposals. serve (or, for a VM
-- backend, the host broker) registers its bottle when it starts, refreshes last_seen every
-- heartbeat_seconds and marks it stopped when it is told to stop; a running bottle whose last_seen
-- is more than three heartbeats old is reported stale (its sidecar was killed).
CREATE TABLE bottles (
    slug              TEXT    PRIMARY KEY NOT NULL,
    backend           TEXT    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('running', 'stopped')),
    started_at        TEXT    NOT NULL,
    last_seen         TEXT    NOT NULL,
    stopped_at        TEXT,
    sidecar_version   TEXT    NOT NULL,
    heartbeat_seconds INTEGER NOT NULL CHECK (heartbeat_seconds > 0)
) STRICT;

-- A sidecar writes only its own bottle's row. Every bot-bottle connection defines
-- bb_writer_bottle(): NULL for the host's, the bottle a sidecar was started for (or '' when it
-- was started for none) for a sidecar's, whose authorizer lets it insert and update this table.
CREATE TRIGGER bottles_insert_own_row
BEFORE INSERT ON bottles
WHEN bb_writer_bottle() IS NOT NULL AND NEW.slug IS NOT bb_writer_bottle()
BEGIN
    SELECT RAISE(ABORT, 'a sidecar may write only its own bottle''s row');
END;

CREATE TRIGGER bottles_update_own_row
BEFORE UPDATE ON bottles
WHEN bb_writer_bottle() IS NOT NULL AND (OLD.slug IS NOT bb_writer_bottle() OR NEW.slug IS NOT bb_writer_bottle())
BEGIN
    SELECT RAISE(ABORT, 'a sidecar may write only its own bottle''s row');
END;
