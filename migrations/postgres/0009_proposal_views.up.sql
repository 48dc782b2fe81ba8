-- bot-bottle: additive
-- When the operator first looked at a proposal (see the SQLite migration 0009). Operator-written;
-- a broker reads its own bottles' rows, so an agent polling its task learns a person has seen it.
CREATE TABLE supervise_proposal_views (
    proposal_id   text PRIMARY KEY NOT NULL REFERENCES supervise_proposals (id) ON DELETE CASCADE,
    first_seen_at text NOT NULL
);

ALTER TABLE supervise_proposal_views ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator_all ON supervise_proposal_views TO bot_bottle_operator USING (true) WITH CHECK (true);
CREATE POLICY broker_reads_own ON supervise_proposal_views FOR SELECT TO bot_bottle_broker
    USING (EXISTS (SELECT 1 FROM supervise_proposals AS p WHERE p.id = proposal_id));
GRANT SELECT, INSERT, UPDATE ON supervise_proposal_views TO bot_bottle_operator;
GRANT SELECT ON supervise_proposal_views TO bot_bottle_broker;
