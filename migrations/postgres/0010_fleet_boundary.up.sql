-- bot-bottle: additive
-- PostgreSQL becomes the boundary: a host broker (a member of bot_bottle_broker) holds database
-- credentials on a less trusted host, so from here on it writes no table directly. Everything it
-- may do is a function below, run as the database's owner, that applies the same rules the store
-- applies on SQLite (the store's Validate, ProposalLimits, ProposedFileRules, ProposalCaps; tests
-- run one table of inputs through both): the server's clock sets every timestamp, the server
-- makes ids and counts the caps and keeps the rate buckets, and text the operator will read is
-- checked for size and for control and bidi characters.
--
-- Bottles are granted by the operator (bottle_grants), not claimed by whoever registers first.
-- Registrations that exist become grants, so an upgraded fleet keeps serving what it served.
--
-- Additive: it only adds tables and functions, and takes privileges away from brokers. An operator
-- binary of 0009 keeps working; a broker of 0009 is refused by the server ("permission denied")
-- on its first write and must be upgraded, which is the point.

-- ---- who serves which bottle --------------------------------------------------------------

CREATE TABLE bottle_grants (
    slug        text PRIMARY KEY NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    broker_role text NOT NULL CHECK (length(broker_role) > 0),
    granted_at  text NOT NULL
);

-- The server's clock in the stores' timestamp format (SqliteValues.TimestampFormat: seven
-- fractional digits, UTC, fixed width so text order is time order).
CREATE FUNCTION bb_now() RETURNS text
LANGUAGE sql VOLATILE
AS $$ SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"0Z"') $$;

-- A stored timestamp as time, or NULL for text that is none (a row written by hand): one bad row
-- must not fail a query that lists every row (the bottles dashboard compares last_seen with now).
CREATE FUNCTION bb_try_timestamp(_text text) RETURNS timestamptz
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    RETURN _text::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

INSERT INTO bottle_grants (slug, broker_role, granted_at)
SELECT slug, broker_role, bb_now() FROM bottles
 WHERE slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'
ON CONFLICT (slug) DO NOTHING;

ALTER TABLE bottle_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_all ON bottle_grants TO bot_bottle_operator USING (true) WITH CHECK (true);
CREATE POLICY broker_reads_own ON bottle_grants FOR SELECT TO bot_bottle_broker USING (broker_role = CURRENT_USER);
GRANT SELECT, INSERT, UPDATE, DELETE ON bottle_grants TO bot_bottle_operator;
GRANT SELECT ON bottle_grants TO bot_bottle_broker;

-- Row-level security now scopes a broker by its grants (was: by the bottles it registered).
CREATE OR REPLACE FUNCTION bb_serves(slug text) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT EXISTS (SELECT 1 FROM bottle_grants AS g WHERE g.slug = $1 AND g.broker_role = CURRENT_USER) $$;

DROP POLICY broker_own ON bottles;
CREATE POLICY broker_reads_own ON bottles FOR SELECT TO bot_bottle_broker USING (bb_serves(slug));

-- ---- no direct writes ---------------------------------------------------------------------

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON supervise_proposals, supervise_responses, supervise_rate_buckets,
    bottles, supervise_withdrawals, supervise_limits, supervise_proposal_views, supervise_audit_entries,
    bottle_grants FROM bot_bottle_broker;
REVOKE UPDATE (archived) ON supervise_responses FROM bot_bottle_broker;
REVOKE SELECT ON supervise_rate_buckets FROM bot_bottle_broker;
DROP POLICY broker_archives_own ON supervise_responses;
DROP POLICY broker_own ON supervise_rate_buckets;

-- ---- the rules, once on this engine ---------------------------------------------------------

-- Every refusal of a rule uses one of these codes, which the store maps back to its own kinds:
-- BBINV invalid argument, BBLIM a cap (CONSTRAINT names it), BBNOF not found, BBCON conflict;
-- 42501 (insufficient_privilege) for a bottle the caller does not serve.

-- The caller is the login role (session_user): these functions run as the owner, so current_user
-- is the owner here. Operators may act for every bottle; a broker for the bottles granted to it.
CREATE FUNCTION bb_require_serves(_slug text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    IF pg_has_role(session_user, 'bot_bottle_operator', 'MEMBER')
       OR EXISTS (SELECT 1 FROM bottle_grants AS g WHERE g.slug = _slug AND g.broker_role = session_user) THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'bottle ''%'' is not granted to role %; the operator grants it with: bot-bottle-host bottles grant % --to %',
        _slug, session_user, _slug, session_user
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- The bottle of a proposal the caller serves; an unknown id is not found ("No proposal ID PURPOSE.").
CREATE FUNCTION bb_require_serves_proposal(_proposal_id text, _purpose text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    slug text;
BEGIN
    SELECT p.bottle_slug INTO slug FROM supervise_proposals AS p WHERE p.id = _proposal_id;
    IF slug IS NULL THEN
        RAISE EXCEPTION 'No proposal % %.', _proposal_id, _purpose USING ERRCODE = 'BBNOF';
    END IF;
    PERFORM bb_require_serves(slug);
    RETURN slug;
END
$$;

CREATE FUNCTION bb_check_pattern(_value text, _field text, _pattern text, _rule text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    IF _value IS NULL OR _value = '' THEN
        RAISE EXCEPTION '% is empty.', _field USING ERRCODE = 'BBINV';
    END IF;
    IF _value !~ _pattern THEN
        RAISE EXCEPTION '% ''%'' %.', _field, left(regexp_replace(_value, '[[:cntrl:]]', '?', 'g'), 80), _rule USING ERRCODE = 'BBINV';
    END IF;
END
$$;

CREATE FUNCTION bb_check_slug(_slug text, _field text DEFAULT 'bottle_slug') RETURNS void
LANGUAGE sql IMMUTABLE
AS $$ SELECT bb_check_pattern(_slug, _field, '^[a-z0-9][a-z0-9-]{0,62}$',
                              'is not a bottle slug: use 1-63 lower-case letters, digits and ''-'', starting with a letter or digit') $$;

-- AgentText.Describe: a short name for a refused character.
CREATE FUNCTION bb_describe_character(_c text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$
    SELECT CASE ascii(_c)
        WHEN 0 THEN 'U+0000 (NUL)'
        WHEN 7 THEN 'U+0007 (BEL)'
        WHEN 8 THEN 'U+0008 (backspace)'
        WHEN 11 THEN 'U+000B (vertical tab)'
        WHEN 12 THEN 'U+000C (form feed)'
        WHEN 13 THEN 'U+000D (carriage return)'
        WHEN 27 THEN 'U+001B (ESC, starts terminal escape sequences)'
        WHEN 127 THEN 'U+007F (DEL)'
        WHEN 133 THEN 'U+0085 (next line)'
        WHEN 155 THEN 'U+009B (CSI, starts terminal escape sequences)'
        WHEN 157 THEN 'U+009D (OSC, starts terminal commands)'
        WHEN 8238 THEN 'U+202E (right-to-left override)'
        WHEN 8237 THEN 'U+202D (left-to-right override)'
        ELSE 'U+' || upper(lpad(to_hex(ascii(_c)), 4, '0'))
             || CASE WHEN ascii(_c) IN (1564, 8206, 8207) OR ascii(_c) BETWEEN 8234 AND 8238 OR ascii(_c) BETWEEN 8294 AND 8297
                     THEN ' (a bidi control)' ELSE ' (a control character)' END
    END
$$;

-- Validate.Text, and with _agent Validate.AgentText: present, within _max_bytes of UTF-8 (the
-- database encoding: the server refuses invalid UTF-8 and NUL before any function runs), not
-- blank unless _allow_empty, and for agent text no control character but tab and newline and no
-- bidi control (AgentText.FindRefused).
CREATE FUNCTION bb_check_text(_value text, _field text, _max_bytes bigint, _agent boolean, _allow_empty boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    refused text;
    before  text;
BEGIN
    IF _value IS NULL THEN
        RAISE EXCEPTION '% is missing.', _field USING ERRCODE = 'BBINV';
    END IF;
    IF NOT _allow_empty AND _value ~ '^[[:space:]]*$' THEN
        RAISE EXCEPTION '% is empty; say in a sentence or two why the change is needed.', _field USING ERRCODE = 'BBINV';
    END IF;
    IF octet_length(_value) > _max_bytes THEN
        RAISE EXCEPTION '% is % bytes; the limit is % bytes.', _field, octet_length(_value), _max_bytes USING ERRCODE = 'BBINV';
    END IF;
    IF _agent THEN
        refused := substring(_value FROM '[\x01-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]');
        IF refused IS NOT NULL THEN
            before := left(_value, strpos(_value, refused) - 1);
            RAISE EXCEPTION '% holds % at line %, column %. Control characters other than tab and newline, and bidi controls, are refused because they can change what the operator''s terminal shows; remove it (end lines with \n alone) and send again.',
                _field, bb_describe_character(refused),
                1 + length(before) - length(replace(before, E'\n', '')),
                1 + length(regexp_replace(before, '^.*\n', ''))
                USING ERRCODE = 'BBINV';
        END IF;
    END IF;
END
$$;

-- ProposedFileRules: what each supervise tool's file must be; tools without a rule propose free text.
CREATE FUNCTION bb_check_proposed_file(_tool text, _file text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    line     text;
    trimmed  text;
    n        integer := 0;
    patterns integer := 0;
    kind     text;
BEGIN
    IF _tool = 'cred-proxy-block' THEN
        BEGIN
            kind := jsonb_typeof(_file::jsonb);
        EXCEPTION WHEN invalid_text_representation OR untranslatable_character THEN
            RAISE EXCEPTION 'proposed_file is not valid JSON. Send the complete routes.json as one JSON object.' USING ERRCODE = 'BBINV';
        END;
        IF kind <> 'object' THEN
            RAISE EXCEPTION 'proposed_file must be a JSON object (the whole routes.json), not a JSON %.', kind USING ERRCODE = 'BBINV';
        END IF;
    ELSIF _tool = 'pipelock-block' THEN
        FOREACH line IN ARRAY string_to_array(_file, E'\n') LOOP
            n := n + 1;
            trimmed := regexp_replace(line, '^[[:space:]]+|[[:space:]]+$', '', 'g');
            CONTINUE WHEN trimmed = '' OR left(trimmed, 1) = '#';
            IF trimmed !~ '^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[0-9]{1,5})?$' THEN
                RAISE EXCEPTION 'proposed_file line % (''%'') is not a host pattern; use one per line, such as api.example.com, *.example.com or example.com:8443.',
                    n, left(trimmed, 60) USING ERRCODE = 'BBINV';
            END IF;
            patterns := patterns + 1;
        END LOOP;
        IF patterns = 0 THEN
            RAISE EXCEPTION 'proposed_file has no host pattern; send the whole allowlist, one host pattern per line.' USING ERRCODE = 'BBINV';
        END IF;
    ELSIF _tool = 'capability-block' THEN
        IF NOT EXISTS (SELECT 1 FROM unnest(string_to_array(_file, E'\n')) AS l WHERE l ~* '^[[:space:]]*FROM[[:space:]]+[^[:space:]]') THEN
            RAISE EXCEPTION 'proposed_file has no FROM instruction; send the complete Dockerfile, starting from its base image (FROM image:tag).' USING ERRCODE = 'BBINV';
        END IF;
    END IF;
END
$$;

-- A cap in force: the host's value (clamped to the cap's range, as LimitsStore.Read does) or the
-- compiled-in default (SuperviseLimits.Defaults and Definitions; a test compares them).
CREATE FUNCTION bb_limit(_name text) RETURNS bigint
LANGUAGE sql STABLE
AS $$
    SELECT greatest(d.minimum, least(d.maximum, coalesce((SELECT l.value FROM supervise_limits AS l WHERE l.name = d.name), d.fallback)))
      FROM (VALUES ('pending_per_bottle', 20::bigint, 1::bigint, 1000000::bigint),
                   ('pending_bytes_per_bottle', 8388608, 1024, 1099511627776),
                   ('rate_burst', 10, 1, 1000000),
                   ('rate_per_hour', 120, 1, 100000000),
                   ('free_space_reserve_bytes', 67108864, 0, 1125899906842624)) AS d(name, fallback, minimum, maximum)
     WHERE d.name = _name
$$;

-- ---- what a broker may do -----------------------------------------------------------------

-- QueueStore.WriteOrJoinProposal: every rule, then the open duplicate if there is one (a retry
-- joins it and is never refused by a cap), else the caps and a rate token and a new proposal with
-- the server's id, time and hash.
CREATE FUNCTION bb_propose(_slug text, _tool text, _proposed_file text, _justification text, _current_file text,
                           OUT proposal_id text, OUT joined boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    now_at        timestamptz := clock_timestamp();
    incoming      bigint;
    pending       bigint;
    pending_bytes bigint;
    burst         bigint := bb_limit('rate_burst');
    per_hour      bigint := bb_limit('rate_per_hour');
    tokens        double precision;
    bucket        supervise_rate_buckets;
BEGIN
    PERFORM bb_check_slug(_slug);
    PERFORM bb_require_serves(_slug);
    PERFORM bb_check_pattern(_tool, 'tool', '^[a-z0-9][a-z0-9_-]{0,63}$',
                             'is not a name: use 1-64 lower-case letters, digits, ''-'' and ''_'', starting with a letter or digit');
    PERFORM bb_check_text(_justification, 'justification', 8192, true, false);
    PERFORM bb_check_text(_proposed_file, 'proposed_file', 262144, true);
    IF _current_file IS NOT NULL THEN
        PERFORM bb_check_text(_current_file, 'current_file', 1048576, false);
    END IF;
    PERFORM bb_check_proposed_file(_tool, _proposed_file);

    -- The store's write lock (PostgresDatabase.WriteLockKey): caps are counted one writer at a time.
    PERFORM pg_advisory_xact_lock(27692812877788261);

    SELECT p.id INTO proposal_id FROM supervise_proposals AS p
     WHERE p.archived = 0 AND p.bottle_slug = _slug AND p.tool = _tool
       AND p.proposed_file = _proposed_file AND p.justification = _justification
     ORDER BY p.arrival_timestamp COLLATE "C", p.id COLLATE "C"
     LIMIT 1;
    IF proposal_id IS NOT NULL THEN
        joined := true;
        RETURN;
    END IF;

    incoming := octet_length(_proposed_file) + octet_length(_justification) + coalesce(octet_length(_current_file), 0);
    SELECT count(*), coalesce(sum(octet_length(p.proposed_file) + octet_length(p.justification) + coalesce(octet_length(p.current_file), 0)), 0)
      INTO pending, pending_bytes
      FROM supervise_proposals AS p
     WHERE p.archived = 0 AND p.bottle_slug = _slug
       AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0);
    IF pending >= bb_limit('pending_per_bottle') THEN
        RAISE EXCEPTION '% proposals are already pending for bottle ''%'' (the host''s limit is %); wait for the operator to answer one before proposing again.',
            pending, _slug, bb_limit('pending_per_bottle') USING ERRCODE = 'BBLIM', CONSTRAINT = 'pending_per_bottle';
    END IF;
    IF pending_bytes + incoming > bb_limit('pending_bytes_per_bottle') THEN
        RAISE EXCEPTION 'Bottle ''%'' has % bytes pending and this proposal adds %; the host''s limit is % bytes. Wait for the operator to answer, or send a smaller file.',
            _slug, pending_bytes, incoming, bb_limit('pending_bytes_per_bottle') USING ERRCODE = 'BBLIM', CONSTRAINT = 'pending_bytes_per_bottle';
    END IF;

    -- A token bucket per bottle; a clock that stepped back refills nothing.
    tokens := burst;
    SELECT * INTO bucket FROM supervise_rate_buckets AS b WHERE b.bottle_slug = _slug;
    IF FOUND THEN
        tokens := least(burst, bucket.tokens + greatest(0, extract(epoch FROM now_at - bucket.refilled_at::timestamptz) / 3600.0) * per_hour);
    END IF;
    IF tokens < 1 THEN
        RAISE EXCEPTION 'Bottle ''%'' may make % proposals at once and % per hour; the next one is allowed in % s. Wait, or retry an open proposal with the same arguments (it joins instead of counting).',
            _slug, burst, per_hour, ceil((1 - tokens) * 3600 / per_hour) USING ERRCODE = 'BBLIM', CONSTRAINT = 'rate_per_hour';
    END IF;
    INSERT INTO supervise_rate_buckets (bottle_slug, tokens, refilled_at)
    VALUES (_slug, tokens - 1, to_char(now_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"0Z"'))
    ON CONFLICT (bottle_slug) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at;

    proposal_id := replace(gen_random_uuid()::text, '-', '');
    joined := false;
    INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, current_file_hash, archived, current_file)
    VALUES (proposal_id, _slug, _tool, _proposed_file, _justification,
            to_char(now_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"0Z"'),
            CASE WHEN _current_file IS NULL THEN NULL ELSE encode(sha256(convert_to(_current_file, 'UTF8')), 'hex') END,
            0, _current_file);
END
$$;

-- QueueStore.ArchiveProposal and ConsumeResponseAsync for a broker: archive an answered proposal
-- of a bottle it serves (the trigger of migration 0006 archives the proposal with its response).
CREATE FUNCTION bb_archive_answered(_proposal_id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    PERFORM bb_require_serves_proposal(_proposal_id, 'to archive');
    IF NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = _proposal_id) THEN
        RAISE EXCEPTION 'Proposal % has no answer yet; a sidecar archives only a proposal whose answer it consumed, so it stays in the operator''s queue.', _proposal_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE supervise_responses SET archived = 1 WHERE proposal_id = _proposal_id AND archived = 0;
END
$$;

-- QueueStore.WithdrawProposal for a broker: the server stamps the time and fixes the reason; the
-- trigger of migration 0008 archives the proposal and chains the audit entry. The diff is the one
-- thing the caller computes (a unified diff of two texts the server already holds), so it is
-- checked as text the operator will read, within the store's bound for an audit entry's diff
-- (UnifiedDiff.MaxAuditDiffBytes).
CREATE FUNCTION bb_withdraw(_proposal_id text, _diff text) RETURNS supervise_withdrawals
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    withdrawal supervise_withdrawals;
BEGIN
    PERFORM bb_require_serves_proposal(_proposal_id, 'to withdraw');
    SELECT * INTO withdrawal FROM supervise_withdrawals AS w WHERE w.proposal_id = _proposal_id;
    IF FOUND THEN
        RETURN withdrawal;
    END IF;
    PERFORM bb_check_text(_diff, 'diff', 65536, false);
    INSERT INTO supervise_withdrawals (proposal_id, withdrawn_at, reason, diff, audit_id, audit_prev_hash, audit_hash)
    VALUES (_proposal_id, bb_now(), 'withdrawn by the agent before the operator answered', _diff, 0, '', '')
    RETURNING * INTO withdrawal;
    RETURN withdrawal;
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION '%', SQLERRM USING ERRCODE = 'BBCON';
END
$$;

-- BottleStore.Register, Heartbeat and Stop: a bottle granted to the caller, with the server's time.
CREATE FUNCTION bb_register_bottle(_slug text, _backend text, _sidecar_version text, _heartbeat_seconds bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    now_text text := bb_now();
BEGIN
    PERFORM bb_check_slug(_slug, 'slug');
    PERFORM bb_require_serves(_slug);
    PERFORM bb_check_pattern(_backend, 'backend', '^[!-~]{1,64}$', 'must be 1 to 64 printable ASCII characters without spaces');
    PERFORM bb_check_pattern(_sidecar_version, 'sidecar_version', '^[!-~]{1,64}$', 'must be 1 to 64 printable ASCII characters without spaces');
    IF _heartbeat_seconds IS NULL OR _heartbeat_seconds NOT BETWEEN 1 AND 3600 THEN
        RAISE EXCEPTION 'heartbeat must be between 1 second and 1 hour.' USING ERRCODE = 'BBINV';
    END IF;
    INSERT INTO bottles (slug, backend, state, started_at, last_seen, stopped_at, sidecar_version, heartbeat_seconds, broker_role)
    VALUES (_slug, _backend, 'running', now_text, now_text, NULL, _sidecar_version, _heartbeat_seconds, session_user)
    ON CONFLICT (slug) DO UPDATE SET
        backend = excluded.backend, state = 'running', started_at = excluded.started_at,
        last_seen = excluded.last_seen, stopped_at = NULL, sidecar_version = excluded.sidecar_version,
        heartbeat_seconds = excluded.heartbeat_seconds, broker_role = excluded.broker_role;
END
$$;

CREATE FUNCTION bb_heartbeat_bottle(_slug text, _stopping boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
DECLARE
    now_text text := bb_now();
BEGIN
    PERFORM bb_check_slug(_slug, 'slug');
    PERFORM bb_require_serves(_slug);
    IF _stopping THEN
        UPDATE bottles SET state = 'stopped', stopped_at = now_text, last_seen = now_text WHERE slug = _slug;
    ELSE
        UPDATE bottles SET last_seen = now_text WHERE slug = _slug AND state = 'running';
    END IF;
END
$$;

-- Only the login roles of the fleet call these; the helpers they use are theirs alone.
REVOKE ALL ON FUNCTION bb_require_serves(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION bb_require_serves_proposal(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION bb_propose(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION bb_archive_answered(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION bb_withdraw(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION bb_register_bottle(text, text, text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION bb_heartbeat_bottle(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bb_propose(text, text, text, text, text), bb_archive_answered(text), bb_withdraw(text, text),
    bb_register_bottle(text, text, text, bigint), bb_heartbeat_bottle(text, boolean)
    TO bot_bottle_broker, bot_bottle_operator;
