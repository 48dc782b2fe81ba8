DROP TABLE supervise_responses;
DROP INDEX supervise_proposals_pending;
DROP INDEX supervise_proposals_pending_by_slug;
DROP TABLE supervise_proposals;
