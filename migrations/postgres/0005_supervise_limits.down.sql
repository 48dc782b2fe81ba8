DROP TABLE supervise_rate_buckets;
DROP TABLE supervise_limits;
