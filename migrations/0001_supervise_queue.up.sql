-- The supervise queue: proposals from sidecars and the operator's responses.
-- Rows are scoped by bottle_slug; timestamps are ISO-8601 UTC text of fixed width,
-- so text order is time order.

CREATE TABLE supervise_proposals (
    id                TEXT    PRIMARY KEY NOT NULL,
    bottle_slug       TEXT    NOT NULL CHECK (length(bottle_slug) > 0),
    tool              TEXT    NOT NULL CHECK (length(tool) > 0),
    proposed_file     TEXT    NOT NULL,
    justification     TEXT    NOT NULL,
    arrival_timestamp TEXT    NOT NULL,
    current_file_hash TEXT,
    archived          INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
) STRICT;

-- Pending FIFO for one bottle and for all bottles. Partial: archived rows (the vast
-- majority over time) are not in either index, so the pending scan stays small.
CREATE INDEX supervise_proposals_pending_by_slug
    ON supervise_proposals (bottle_slug, arrival_timestamp)
    WHERE archived = 0;

CREATE INDEX supervise_proposals_pending
    ON supervise_proposals (arrival_timestamp)
    WHERE archived = 0;

CREATE TABLE supervise_responses (
    proposal_id TEXT    PRIMARY KEY NOT NULL REFERENCES supervise_proposals (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL CHECK (status IN ('approved', 'modified', 'rejected')),
    notes       TEXT    NOT NULL DEFAULT '',
    final_file  TEXT,
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    CHECK (status <> 'modified' OR final_file IS NOT NULL)
) STRICT;
