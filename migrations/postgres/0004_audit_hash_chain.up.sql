-- bot-bottle: additive
-- Tamper evidence for the audit log: entry_hash is SHA-256 over the entry's canonical fields and
-- prev_hash, the previous entry's entry_hash. bb_audit_hash is AuditChain.Hash in SQL, byte for
-- byte: each field as "<UTF-8 byte count>:<field>\n" (the database encoding is UTF8).
ALTER TABLE supervise_audit_entries ADD COLUMN prev_hash text;
ALTER TABLE supervise_audit_entries ADD COLUMN entry_hash text;

CREATE FUNCTION bb_audit_hash(prev text, id bigint, ts text, bottle_slug text, component text,
                              operator_action text, operator_notes text, justification text, diff text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT encode(sha256(convert_to(string_agg(octet_length(f)::text || ':' || f || E'\n', '' ORDER BY n), 'UTF8')), 'hex')
      FROM unnest(ARRAY[prev, id::text, ts, bottle_slug, component, operator_action, operator_notes, justification, diff])
           WITH ORDINALITY AS fields(f, n)
$$;

-- Chain the entries that already exist, oldest first.
WITH RECURSIVE ordered AS (
    SELECT e.*, row_number() OVER (ORDER BY e.id) AS n FROM supervise_audit_entries AS e
), chain(n, id, prev, hash) AS (
    SELECT 0::bigint, 0::bigint, NULL::text, '0000000000000000000000000000000000000000000000000000000000000000'::text
    UNION ALL
    SELECT o.n, o.id, chain.hash,
           bb_audit_hash(chain.hash, o.id, o.timestamp, o.bottle_slug, o.component,
                         o.operator_action, o.operator_notes, o.justification, o.diff)
      FROM chain JOIN ordered AS o ON o.n = chain.n + 1
)
UPDATE supervise_audit_entries AS e
   SET prev_hash = chain.prev, entry_hash = chain.hash
  FROM chain
 WHERE chain.id = e.id AND chain.n > 0;
