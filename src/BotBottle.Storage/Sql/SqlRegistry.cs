using System;
using System.Collections.Generic;
using System.Globalization;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Sql;

/// <summary>
/// Every SQL statement the stores and the migrator run (migration files aside). A test
/// prepares each one against a freshly migrated database, so schema drift fails the build.
/// </summary>
internal static class SqlRegistry
{
    // ---- connection policy -------------------------------------------------------------------

    public static readonly SqlStatement ConnectionPolicyNormal = new(
        nameof(ConnectionPolicyNormal),
        "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");

    public static readonly SqlStatement ConnectionPolicyFull = new(
        nameof(ConnectionPolicyFull),
        "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");

    public static readonly SqlStatement JournalModeWal = new(nameof(JournalModeWal), "PRAGMA journal_mode = WAL;");

    public static readonly SqlStatement SelectJournalMode = new(nameof(SelectJournalMode), "PRAGMA journal_mode;");

    // ---- queue -------------------------------------------------------------------------------

    public static readonly SqlStatement InsertProposal = new(
        nameof(InsertProposal),
        """
        INSERT INTO supervise_proposals
            (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, current_file_hash, archived, current_file)
        VALUES
            ($id, $bottle_slug, $tool, $proposed_file, $justification, $arrival_timestamp, $current_file_hash, $archived, $current_file);
        """);

    public static readonly SqlStatement SelectProposal = new(
        nameof(SelectProposal),
        "SELECT " + ProposalRowMapper.SelectColumns + " FROM supervise_proposals WHERE id = $id;");

    // Served by the partial index supervise_proposals_pending_by_slug: (bottle_slug, arrival_timestamp) WHERE archived = 0.
    public static readonly SqlStatement ListPendingForSlug = new(
        nameof(ListPendingForSlug),
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals AS p
        WHERE p.archived = 0
          AND p.bottle_slug = $bottle_slug
          AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0)
        ORDER BY p.arrival_timestamp, p.rowid;
        """);

    // Served by the partial index supervise_proposals_pending: (arrival_timestamp) WHERE archived = 0.
    public static readonly SqlStatement ListPendingAll = new(
        nameof(ListPendingAll),
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals AS p
        WHERE p.archived = 0
          AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0)
        ORDER BY p.arrival_timestamp, p.rowid;
        """);

    // A retried identical proposal joins the open one; served by supervise_proposals_pending_by_slug.
    public static readonly SqlStatement FindOpenDuplicate = new(
        nameof(FindOpenDuplicate),
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals
        WHERE archived = 0
          AND bottle_slug = $bottle_slug
          AND tool = $tool
          AND proposed_file = $proposed_file
          AND justification = $justification
        ORDER BY arrival_timestamp, rowid
        LIMIT 1;
        """);

    public static readonly SqlStatement SelectResponseExists = new(
        nameof(SelectResponseExists),
        "SELECT 1 FROM supervise_responses WHERE proposal_id = $proposal_id;");

    public static readonly SqlStatement InsertResponse = new(
        nameof(InsertResponse),
        """
        INSERT INTO supervise_responses (proposal_id, status, notes, final_file, archived)
        VALUES ($proposal_id, $status, $notes, $final_file, 0);
        """);

    public static readonly SqlStatement SelectResponse = new(
        nameof(SelectResponse),
        "SELECT " + ResponseRowMapper.SelectColumns + " FROM supervise_responses WHERE proposal_id = $proposal_id;");

    // Responses only ever get new rowids, in commit order: waiters learn of answers by rowid range.
    public static readonly SqlStatement SelectMaxResponseRowId = new(
        nameof(SelectMaxResponseRowId),
        "SELECT coalesce(max(rowid), 0) FROM supervise_responses;");

    public static readonly SqlStatement SelectResponsesAddedAfter = new(
        nameof(SelectResponsesAddedAfter),
        "SELECT " + ResponseRowMapper.SelectColumns + " FROM supervise_responses WHERE rowid > $after AND rowid <= $up_to ORDER BY rowid;");

    public static readonly SqlStatement ArchiveProposal = new(
        nameof(ArchiveProposal),
        "UPDATE supervise_proposals SET archived = 1 WHERE id = $id AND archived = 0;");

    // Trigger supervise_responses_archive_proposal archives the proposal with it (migration 0006).
    public static readonly SqlStatement ArchiveResponse = new(
        nameof(ArchiveResponse),
        "UPDATE supervise_responses SET archived = 1 WHERE proposal_id = $id AND archived = 0;");

    // ---- limits ------------------------------------------------------------------------------

    public static readonly SqlStatement SelectLimits = new(nameof(SelectLimits), "SELECT name, value FROM supervise_limits;");

    public static readonly SqlStatement UpsertLimit = new(
        nameof(UpsertLimit),
        "INSERT INTO supervise_limits (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value;");

    public static readonly SqlStatement DeleteLimit = new(nameof(DeleteLimit), "DELETE FROM supervise_limits WHERE name = $name;");

    // What one bottle has waiting for the operator, as the caps count it; served by
    // supervise_proposals_pending_by_slug. octet_length reads a text's size without its content.
    public static readonly SqlStatement SelectPendingUsage = new(
        nameof(SelectPendingUsage),
        """
        SELECT count(*),
               coalesce(sum(octet_length(p.proposed_file) + octet_length(p.justification) + coalesce(octet_length(p.current_file), 0)), 0)
          FROM supervise_proposals AS p
         WHERE p.archived = 0
           AND p.bottle_slug = $bottle_slug
           AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0);
        """);

    public static readonly SqlStatement SelectRateBucket = new(
        nameof(SelectRateBucket),
        "SELECT tokens, refilled_at FROM supervise_rate_buckets WHERE bottle_slug = $bottle_slug;");

    public static readonly SqlStatement UpsertRateBucket = new(
        nameof(UpsertRateBucket),
        """
        INSERT INTO supervise_rate_buckets (bottle_slug, tokens, refilled_at) VALUES ($bottle_slug, $tokens, $refilled_at)
            ON CONFLICT (bottle_slug) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at;
        """);

    // ---- audit -------------------------------------------------------------------------------

    public static readonly SqlStatement InsertAuditEntry = new(
        nameof(InsertAuditEntry),
        """
        INSERT INTO supervise_audit_entries
            (timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff)
        VALUES
            ($timestamp, $bottle_slug, $component, $operator_action, $operator_notes, $justification, $diff)
        RETURNING id;
        """);

    // The chain link: the newest entry before this one (the primary key serves it).
    public static readonly SqlStatement SelectPreviousAuditHash = new(
        nameof(SelectPreviousAuditHash),
        "SELECT entry_hash FROM supervise_audit_entries WHERE id < $id ORDER BY id DESC LIMIT 1;");

    public static readonly SqlStatement UpdateAuditHashes = new(
        nameof(UpdateAuditHashes),
        "UPDATE supervise_audit_entries SET prev_hash = $prev_hash, entry_hash = $entry_hash WHERE id = $id;");

    public static readonly SqlStatement SelectAuditEntry = new(
        nameof(SelectAuditEntry),
        "SELECT " + AuditEntryRowMapper.SelectColumns + " FROM supervise_audit_entries WHERE id = $id;");

    public static readonly SqlStatement SelectAuditChain = new(
        nameof(SelectAuditChain),
        "SELECT " + AuditEntryRowMapper.SelectColumns + " FROM supervise_audit_entries ORDER BY id;");

    // AUTOINCREMENT never reuses an id: the highest one ever assigned shows a deleted newest entry.
    public static readonly SqlStatement SelectAuditSequence = new(
        nameof(SelectAuditSequence),
        "SELECT seq FROM sqlite_sequence WHERE name = 'supervise_audit_entries';");

    // Three shapes rather than one "$x IS NULL OR col = $x" query, so each filter can use its index.
    public static readonly SqlStatement SelectAuditBySlug = new(
        nameof(SelectAuditBySlug),
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE bottle_slug = $bottle_slug
          AND ($component IS NULL OR component = $component)
          AND timestamp >= $since AND timestamp < $until
        ORDER BY timestamp, id
        LIMIT $limit;
        """);

    public static readonly SqlStatement SelectAuditByComponent = new(
        nameof(SelectAuditByComponent),
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE component = $component
          AND timestamp >= $since AND timestamp < $until
        ORDER BY timestamp, id
        LIMIT $limit;
        """);

    public static readonly SqlStatement SelectAuditAll = new(
        nameof(SelectAuditAll),
        "SELECT " + AuditEntryRowMapper.SelectColumns + """
         FROM supervise_audit_entries
        WHERE timestamp >= $since AND timestamp < $until
        ORDER BY timestamp, id
        LIMIT $limit;
        """);

    // ---- migrations --------------------------------------------------------------------------

    public static readonly SqlStatement CreateMigrationsTable = new(
        nameof(CreateMigrationsTable),
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version      INTEGER PRIMARY KEY NOT NULL,
            name         TEXT    NOT NULL,
            checksum     TEXT    NOT NULL,
            additive     INTEGER NOT NULL CHECK (additive IN (0, 1)),
            applied_at   TEXT    NOT NULL,
            execution_ms INTEGER NOT NULL
        ) STRICT;
        """);

    public static readonly SqlStatement MigrationsTableExists = new(
        nameof(MigrationsTableExists),
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations';");

    public static readonly SqlStatement SelectAppliedMigrations = new(
        nameof(SelectAppliedMigrations),
        "SELECT " + AppliedMigrationRowMapper.SelectColumns + " FROM schema_migrations ORDER BY version;");

    public static readonly SqlStatement InsertAppliedMigration = new(
        nameof(InsertAppliedMigration),
        """
        INSERT INTO schema_migrations (version, name, checksum, additive, applied_at, execution_ms)
        VALUES ($version, $name, $checksum, $additive, $applied_at, $execution_ms);
        """);

    public static readonly SqlStatement DeleteAppliedMigration = new(
        nameof(DeleteAppliedMigration),
        "DELETE FROM schema_migrations WHERE version = $version;");

    public static readonly SqlStatement SelectUserVersion = new(nameof(SelectUserVersion), "PRAGMA user_version;");

    // PRAGMA takes no parameters; SetUserVersion formats an int into this shape.
    public static readonly SqlStatement SetUserVersionTemplate = new(nameof(SetUserVersionTemplate), "PRAGMA user_version = 0;");

    public static readonly SqlStatement IntegrityCheck = new(nameof(IntegrityCheck), "PRAGMA integrity_check;");

    // Changes whenever another connection commits; the change watcher polls it.
    public static readonly SqlStatement DataVersion = new(nameof(DataVersion), "PRAGMA data_version;");

    /// <summary>Every statement above; the registry test checks nothing is missing from it.</summary>
    public static readonly IReadOnlyList<SqlStatement> All =
    [
        ConnectionPolicyNormal, ConnectionPolicyFull, JournalModeWal, SelectJournalMode,
        InsertProposal, SelectProposal, ListPendingForSlug, ListPendingAll, FindOpenDuplicate,
        SelectResponseExists, InsertResponse, SelectResponse, SelectMaxResponseRowId, SelectResponsesAddedAfter, ArchiveProposal, ArchiveResponse,
        SelectLimits, UpsertLimit, DeleteLimit, SelectPendingUsage, SelectRateBucket, UpsertRateBucket,
        InsertAuditEntry, SelectPreviousAuditHash, UpdateAuditHashes, SelectAuditEntry, SelectAuditChain, SelectAuditSequence,
        SelectAuditBySlug, SelectAuditByComponent, SelectAuditAll,
        CreateMigrationsTable, MigrationsTableExists, SelectAppliedMigrations, InsertAppliedMigration,
        DeleteAppliedMigration, SelectUserVersion, SetUserVersionTemplate, IntegrityCheck, DataVersion,
    ];

    public static SqlStatement SetUserVersion(int version)
        => new(nameof(SetUserVersionTemplate), "PRAGMA user_version = " + version.ToString(CultureInfo.InvariantCulture) + ";");

    /// <summary>Creates a command for <paramref name="statement"/>, enlisted in <paramref name="transaction"/> if any.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, SqlStatement statement)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = statement.Text;
        command.Transaction = transaction;
        return command;
    }

    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static int Execute(SqliteConnection connection, SqliteTransaction? transaction, SqlStatement statement)
    {
        using SqliteCommand command = Command(connection, transaction, statement);
        return command.ExecuteNonQuery();
    }

    public static T? Scalar<T>(SqliteConnection connection, SqliteTransaction? transaction, SqlStatement statement)
    {
        using SqliteCommand command = Command(connection, transaction, statement);
        object? value = command.ExecuteScalar();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }
}
