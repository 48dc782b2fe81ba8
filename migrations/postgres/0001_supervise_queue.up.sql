-- The supervise queue on PostgreSQL (fleet mode): the same tables, columns and meaning as the
-- SQLite migration of the same number. Integers are bigint and flags 0/1 so one row mapper reads
-- both engines; timestamps stay ISO-8601 UTC text of fixed width, so text order is time order.
--
-- Privileges: two group roles, created once per cluster. Operators (bot_bottle_operator) see and
-- answer everything; each host broker logs in as its own role, a member of bot_bottle_broker, and
-- row-level security (migration 0007) lets it see and write only the bottles it serves. Until
-- then a broker sees no rows at all.
-- Roles belong to the cluster, not the database: two databases migrating at once may both try to
-- create them, so losing that race is fine.
DO $$
BEGIN
    BEGIN
        CREATE ROLE bot_bottle_broker NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE bot_bottle_operator NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END
$$;

CREATE TABLE supervise_proposals (
    id                text   PRIMARY KEY NOT NULL,
    bottle_slug       text   NOT NULL CHECK (length(bottle_slug) > 0),
    tool              text   NOT NULL CHECK (length(tool) > 0),
    proposed_file     text   NOT NULL,
    justification     text   NOT NULL,
    arrival_timestamp text   NOT NULL,
    current_file_hash text,
    archived          bigint NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
);

CREATE INDEX supervise_proposals_pending_by_slug
    ON supervise_proposals (bottle_slug, arrival_timestamp)
    WHERE archived = 0;

CREATE INDEX supervise_proposals_pending
    ON supervise_proposals (arrival_timestamp)
    WHERE archived = 0;

CREATE TABLE supervise_responses (
    proposal_id text   PRIMARY KEY NOT NULL REFERENCES supervise_proposals (id) ON DELETE CASCADE,
    status      text   NOT NULL CHECK (status IN ('approved', 'modified', 'rejected')),
    notes       text   NOT NULL DEFAULT '',
    final_file  text,
    archived    bigint NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    CHECK (status <> 'modified' OR final_file IS NOT NULL)
);

-- Waits and 'queue watch' on every host wake on LISTEN bot_bottle_queue: each change to a
-- proposal or a response notifies its proposal id when it commits (PostgreSQL folds repeats within
-- one transaction). Listeners re-read what they wait for, so a payload is a hint, never the data;
-- NOTIFY has no privileges, so any role can see ids (not contents) go by.
CREATE FUNCTION bb_notify_queue() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    -- Two statements, not one CASE: PL/pgSQL resolves every field an expression names.
    IF TG_TABLE_NAME = 'supervise_proposals' THEN
        PERFORM pg_notify('bot_bottle_queue', NEW.id);
    ELSE
        PERFORM pg_notify('bot_bottle_queue', NEW.proposal_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER supervise_proposals_notify
AFTER INSERT OR UPDATE ON supervise_proposals
FOR EACH ROW EXECUTE FUNCTION bb_notify_queue();

CREATE TRIGGER supervise_responses_notify
AFTER INSERT OR UPDATE ON supervise_responses
FOR EACH ROW EXECUTE FUNCTION bb_notify_queue();

ALTER TABLE supervise_proposals ENABLE ROW LEVEL SECURITY;
ALTER TABLE supervise_responses ENABLE ROW LEVEL SECURITY;

CREATE POLICY operator_all ON supervise_proposals TO bot_bottle_operator USING (true) WITH CHECK (true);
CREATE POLICY operator_all ON supervise_responses TO bot_bottle_operator USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON supervise_proposals, supervise_responses TO bot_bottle_operator;

-- Both read the history (schema_migrations exists: the migrator creates it before the first
-- migration) to refuse a schema they cannot work with; only the database's owner migrates.
GRANT SELECT ON schema_migrations TO bot_bottle_operator, bot_bottle_broker;

-- A broker proposes and reads; it consumes a decision only by marking the response archived
-- (the trigger of migration 0006 archives the proposal); it never answers.
GRANT SELECT, INSERT ON supervise_proposals TO bot_bottle_broker;
GRANT SELECT ON supervise_responses TO bot_bottle_broker;
GRANT UPDATE (archived) ON supervise_responses TO bot_bottle_broker;
