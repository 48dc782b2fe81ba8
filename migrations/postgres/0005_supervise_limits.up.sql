-- bot-bottle: additive
-- Caps the host sets on what each bottle may queue, and each bottle's proposal-rate token bucket
-- (see the SQLite migration 0005). Operators set caps; brokers read them and keep their own
-- bottles' buckets (policies in migration 0007).
CREATE TABLE supervise_limits (
    name  text   PRIMARY KEY NOT NULL,
    value bigint NOT NULL CHECK (value >= 0)
);

CREATE TABLE supervise_rate_buckets (
    bottle_slug text             PRIMARY KEY NOT NULL,
    tokens      double precision NOT NULL CHECK (tokens >= 0),
    refilled_at text             NOT NULL
);

ALTER TABLE supervise_rate_buckets ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_all ON supervise_rate_buckets TO bot_bottle_operator USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON supervise_limits, supervise_rate_buckets TO bot_bottle_operator;
GRANT SELECT ON supervise_limits TO bot_bottle_broker;
GRANT SELECT, INSERT, UPDATE ON supervise_rate_buckets TO bot_bottle_broker;
