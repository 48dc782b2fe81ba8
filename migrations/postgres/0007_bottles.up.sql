-- bot-bottle: additive
-- The bottles the host runs (see the SQLite migration 0007), and which broker serves each one:
-- broker_role is the role that registered the bottle. Row-level security scopes every broker to
-- its own bottles, the rules the SQLite authorizer enforces for a sidecar, now enforced by the
-- server: a broker sees and writes only rows of bottles it registered, cannot take over a slug
-- another broker registered, and never answers a proposal.
CREATE TABLE bottles (
    slug              text   PRIMARY KEY NOT NULL,
    backend           text   NOT NULL,
    state             text   NOT NULL CHECK (state IN ('running', 'stopped')),
    started_at        text   NOT NULL,
    last_seen         text   NOT NULL,
    stopped_at        text,
    sidecar_version   text   NOT NULL,
    heartbeat_seconds bigint NOT NULL CHECK (heartbeat_seconds > 0),
    broker_role       text   NOT NULL DEFAULT CURRENT_USER
);

CREATE FUNCTION bb_serves(slug text) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT EXISTS (SELECT 1 FROM bottles AS b WHERE b.slug = $1 AND b.broker_role = CURRENT_USER) $$;

ALTER TABLE bottles ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_all ON bottles TO bot_bottle_operator USING (true) WITH CHECK (true);
CREATE POLICY broker_own ON bottles TO bot_bottle_broker
    USING (broker_role = CURRENT_USER) WITH CHECK (broker_role = CURRENT_USER);
GRANT SELECT, INSERT, UPDATE, DELETE ON bottles TO bot_bottle_operator;
GRANT SELECT, INSERT, UPDATE ON bottles TO bot_bottle_broker;

CREATE POLICY broker_own ON supervise_proposals TO bot_bottle_broker
    USING (bb_serves(bottle_slug)) WITH CHECK (bb_serves(bottle_slug));

CREATE POLICY broker_reads_own ON supervise_responses FOR SELECT TO bot_bottle_broker
    USING (EXISTS (SELECT 1 FROM supervise_proposals AS p WHERE p.id = proposal_id));
CREATE POLICY broker_archives_own ON supervise_responses FOR UPDATE TO bot_bottle_broker
    USING (EXISTS (SELECT 1 FROM supervise_proposals AS p WHERE p.id = proposal_id))
    WITH CHECK (archived = 1);

CREATE POLICY broker_own ON supervise_rate_buckets TO bot_bottle_broker
    USING (bb_serves(bottle_slug)) WITH CHECK (bb_serves(bottle_slug));
