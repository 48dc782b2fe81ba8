-- bot-bottle: additive
-- Archiving a response archives its proposal. This is how a sidecar consumes a decision: its
-- authorizer lets it mark a proposal archived only from inside this trigger, so a sidecar can
-- archive only a proposal that has a response, and can never drop an unanswered one.
CREATE TRIGGER supervise_responses_archive_proposal
AFTER UPDATE OF archived ON supervise_responses
WHEN NEW.archived = 1
BEGIN
    UPDATE supervise_proposals SET archived = 1 WHERE id = NEW.proposal_id AND archived = 0;
END;
