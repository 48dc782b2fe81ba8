DROP POLICY broker_own ON supervise_rate_buckets;
DROP POLICY broker_archives_own ON supervise_responses;
DROP POLICY broker_reads_own ON supervise_responses;
DROP POLICY broker_own ON supervise_proposals;
DROP TABLE bottles;
DROP FUNCTION bb_serves(text);
