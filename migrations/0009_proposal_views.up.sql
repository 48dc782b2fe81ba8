-- bot-bottle: additive
-- When the operator first looked at a proposal (queue show, queue review), so an agent polling its
-- task learns that a person has seen it, not only that it is still pending. Host-written only.
CREATE TABLE supervise_proposal_views (
    proposal_id   TEXT PRIMARY KEY NOT NULL REFERENCES supervise_proposals (id) ON DELETE CASCADE,
    first_seen_at TEXT NOT NULL
) STRICT;
