DROP TABLE supervise_responses;
DROP TABLE supervise_proposals;
