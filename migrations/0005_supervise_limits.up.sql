-- bot-bottle: additive
-- Caps the host sets on what each bottle may queue (see LimitsStore): one row per cap the host
-- changed; a cap without a row has its compiled-in default. Only the host role writes them.
CREATE TABLE supervise_limits (
    name  TEXT    PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL CHECK (value >= 0)
) STRICT;

-- Each bottle's proposal-rate token bucket: tokens left as of refilled_at (ISO-8601 UTC). Written
-- with each new proposal, in the same transaction.
CREATE TABLE supervise_rate_buckets (
    bottle_slug TEXT PRIMARY KEY NOT NULL,
    tokens      REAL NOT NULL CHECK (tokens >= 0),
    refilled_at TEXT NOT NULL
) STRICT;
