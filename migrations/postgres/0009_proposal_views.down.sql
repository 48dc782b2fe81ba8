DROP TABLE supervise_proposal_views;
