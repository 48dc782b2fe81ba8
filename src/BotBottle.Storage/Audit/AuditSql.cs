using System.Collections.Generic;
using BotBottle.Storage.Sql;

namespace BotBottle.Storage.Audit;

/// <summary>
/// The audit log's statements. Every one is listed in <see cref="All"/>, which <see cref="SqlRegistry.All"/> gathers, so a
/// test prepares each against a freshly migrated database.
/// </summary>
internal static class AuditSql
{
    // ---- audit -------------------------------------------------------------------------------

    public static readonly SqlStatement InsertAuditEntry = new(
        nameof(InsertAuditEntry),
        """
        INSERT INTO supervise_audit_entries
            (timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff)
        VALUES
            ($timestamp, $bottle_slug, $component, $operator_action, $operator_notes, $justification, $diff)
        RETURNING id;
        """,
        "SELECT id FROM bb_audit_append(@timestamp, @bottle_slug, @component, @operator_action, @operator_notes, @justification, @diff)");

    // The chain link: the newest entry before this one (the primary key serves it).
    public static readonly SqlStatement SelectPreviousAuditHash = new(
        nameof(SelectPreviousAuditHash),
        "SELECT entry_hash FROM supervise_audit_entries WHERE id < $id ORDER BY id DESC LIMIT 1;",
        SqlStatement.SqliteOnly);

    public static readonly SqlStatement UpdateAuditHashes = new(
        nameof(UpdateAuditHashes),
        "UPDATE supervise_audit_entries SET prev_hash = $prev_hash, entry_hash = $entry_hash WHERE id = $id;",
        SqlStatement.SqliteOnly);

    // The next entry's id (AUTOINCREMENT: one past the highest ever assigned), the newest entry's
    // hash, and whether there is any entry: what a trigger-written entry is chained with.
    public static readonly SqlStatement SelectNextAuditLink = new(
        nameof(SelectNextAuditLink),
        """
        SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'supervise_audit_entries'), 0),
                   coalesce((SELECT max(id) FROM supervise_audit_entries), 0)) + 1,
               (SELECT entry_hash FROM supervise_audit_entries ORDER BY id DESC LIMIT 1),
               EXISTS (SELECT 1 FROM supervise_audit_entries);
        """,
        SqlStatement.SqliteOnly);

    public static readonly SqlStatement SelectAuditEntry = new(
        nameof(SelectAuditEntry),
        "SELECT " + AuditEntryRowMapper.SelectColumns + " FROM supervise_audit_entries WHERE id = $id;");

    public static readonly SqlStatement SelectAuditChain = new(
        nameof(SelectAuditChain),
        "SELECT " + AuditEntryRowMapper.SelectColumns + " FROM supervise_audit_entries ORDER BY id;");

    // AUTOINCREMENT never reuses an id: the highest one ever assigned shows a deleted newest entry.
    public static readonly SqlStatement SelectAuditSequence = new(
        nameof(SelectAuditSequence),
        "SELECT seq FROM sqlite_sequence WHERE name = 'supervise_audit_entries';",
        "SELECT coalesce(max(id), 0) FROM supervise_audit_entries");

    // Three shapes rather than one "$x IS NULL OR col = $x" query, so each filter can use its index.
    public static readonly SqlStatement SelectAuditBySlug = new(
        nameof(SelectAuditBySlug),
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE bottle_slug = $bottle_slug
          AND ($component IS NULL OR component = $component)
          AND ($since IS NULL OR timestamp >= $since) AND ($until IS NULL OR timestamp < $until)
        ORDER BY timestamp, id
        LIMIT $limit;
        """,
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE bottle_slug = @bottle_slug
          AND (@component::text IS NULL OR component = @component::text)
          AND (@since::text IS NULL OR timestamp >= @since) AND (@until::text IS NULL OR timestamp < @until)
        ORDER BY timestamp COLLATE "C", id
        LIMIT nullif(@limit::bigint, -1)
        """);

    public static readonly SqlStatement SelectAuditByComponent = new(
        nameof(SelectAuditByComponent),
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE component = $component
          AND ($since IS NULL OR timestamp >= $since) AND ($until IS NULL OR timestamp < $until)
        ORDER BY timestamp, id
        LIMIT $limit;
        """,
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE component = @component
          AND (@since::text IS NULL OR timestamp >= @since) AND (@until::text IS NULL OR timestamp < @until)
        ORDER BY timestamp COLLATE "C", id
        LIMIT nullif(@limit::bigint, -1)
        """);

    public static readonly SqlStatement SelectAuditAll = new(
        nameof(SelectAuditAll),
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE ($since IS NULL OR timestamp >= $since) AND ($until IS NULL OR timestamp < $until)
        ORDER BY timestamp, id
        LIMIT $limit;
        """,
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE (@since::text IS NULL OR timestamp >= @since) AND (@until::text IS NULL OR timestamp < @until)
        ORDER BY timestamp COLLATE "C", id
        LIMIT nullif(@limit::bigint, -1)
        """);

    public static readonly IReadOnlyList<SqlStatement> All =
    [
        SelectNextAuditLink, InsertAuditEntry, SelectPreviousAuditHash, UpdateAuditHashes, SelectAuditEntry, SelectAuditChain, SelectAuditSequence, SelectAuditBySlug, SelectAuditByComponent, SelectAuditAll,
    ];
}
