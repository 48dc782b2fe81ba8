DROP TABLE supervise_responses;
DROP TABLE supervise_proposals;
DROP FUNCTION bb_notify_queue();
