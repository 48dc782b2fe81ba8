-- bot-bottle: additive
-- Archiving a response archives its proposal. This is how a broker consumes a decision: it may
-- update only a response's archived flag (and only to 1, migration 0007), and this trigger, run
-- as the table's owner, archives the proposal, so a broker can archive only an answered proposal.
CREATE FUNCTION supervise_responses_archive_proposal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    UPDATE supervise_proposals SET archived = 1 WHERE id = NEW.proposal_id AND archived = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER supervise_responses_archive_proposal
AFTER UPDATE OF archived ON supervise_responses
FOR EACH ROW WHEN (NEW.archived = 1)
EXECUTE FUNCTION supervise_responses_archive_proposal();
