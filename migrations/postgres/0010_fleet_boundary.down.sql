DROP FUNCTION bb_heartbeat_bottle(text, boolean);
DROP FUNCTION bb_register_bottle(text, text, text, bigint);
DROP FUNCTION bb_withdraw(text, text);
DROP FUNCTION bb_archive_answered(text);
DROP FUNCTION bb_propose(text, text, text, text, text);
DROP FUNCTION bb_limit(text);
DROP FUNCTION bb_check_proposed_file(text, text);
DROP FUNCTION bb_check_text(text, text, bigint, boolean, boolean);
DROP FUNCTION bb_describe_character(text);
DROP FUNCTION bb_check_slug(text, text);
DROP FUNCTION bb_check_pattern(text, text, text, text);
DROP FUNCTION bb_require_serves_proposal(text, text);
DROP FUNCTION bb_require_serves(text);

-- Brokers write directly again, scoped by the bottles they registered (migrations 0001-0008).
GRANT INSERT ON supervise_proposals TO bot_bottle_broker;
GRANT UPDATE (archived) ON supervise_responses TO bot_bottle_broker;
GRANT SELECT, INSERT, UPDATE ON supervise_rate_buckets TO bot_bottle_broker;
GRANT INSERT, UPDATE ON bottles TO bot_bottle_broker;
GRANT INSERT ON supervise_withdrawals TO bot_bottle_broker;
CREATE POLICY broker_archives_own ON supervise_responses FOR UPDATE TO bot_bottle_broker
    USING (EXISTS (SELECT 1 FROM supervise_proposals AS p WHERE p.id = proposal_id))
    WITH CHECK (archived = 1);
CREATE POLICY broker_own ON supervise_rate_buckets TO bot_bottle_broker
    USING (bb_serves(bottle_slug)) WITH CHECK (bb_serves(bottle_slug));
DROP POLICY broker_reads_own ON bottles;
CREATE POLICY broker_own ON bottles TO bot_bottle_broker
    USING (broker_role = CURRENT_USER) WITH CHECK (broker_role = CURRENT_USER);
CREATE OR REPLACE FUNCTION bb_serves(slug text) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT EXISTS (SELECT 1 FROM bottles AS b WHERE b.slug = $1 AND b.broker_role = CURRENT_USER) $$;

DROP TABLE bottle_grants;
DROP FUNCTION bb_now();
DROP FUNCTION bb_try_timestamp(text);
