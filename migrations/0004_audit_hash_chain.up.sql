-- bot-bottle: additive
-- Tamper evidence for the audit log: entry_hash is SHA-256 over the entry's canonical fields and
-- prev_hash, the previous entry's entry_hash (see AuditChain; bb_audit_hash is registered by
-- bot-bottle on every connection). 'audit verify' walks the chain.
ALTER TABLE supervise_audit_entries ADD COLUMN prev_hash TEXT;
ALTER TABLE supervise_audit_entries ADD COLUMN entry_hash TEXT;

-- Chain the entries that already exist, oldest first.
CREATE TEMP TABLE audit_chain AS
WITH RECURSIVE chain(id, prev, hash) AS (
    SELECT 0, NULL, '0000000000000000000000000000000000000000000000000000000000000000'
    UNION ALL
    SELECT e.id, chain.hash,
           bb_audit_hash(chain.hash, e.id, e.timestamp, e.bottle_slug, e.component,
                         e.operator_action, e.operator_notes, e.justification, e.diff)
      FROM chain
      JOIN supervise_audit_entries AS e
        ON e.id = (SELECT min(id) FROM supervise_audit_entries WHERE id > chain.id)
)
SELECT id, prev, hash FROM chain WHERE id > 0;

UPDATE supervise_audit_entries
   SET prev_hash  = (SELECT c.prev FROM temp.audit_chain AS c WHERE c.id = supervise_audit_entries.id),
       entry_hash = (SELECT c.hash FROM temp.audit_chain AS c WHERE c.id = supervise_audit_entries.id);

DROP TABLE temp.audit_chain;
