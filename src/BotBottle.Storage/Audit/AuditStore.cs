using System;
using System.Collections.Generic;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Sql;
using BotBottle.Storage.Validation;
using System.Data.Common;

namespace BotBottle.Storage.Audit;

/// <summary>The audit log of operator decisions. Append-only; thread-safe.</summary>
public sealed class AuditStore
{
    private readonly IStoreDatabase _database;

    /// <summary>Over <paramref name="database"/>, a host's SQLite file or fleet mode's PostgreSQL: the same rules on either.</summary>
    public AuditStore(StoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database.Engine;
    }

    /// <summary>Appends an entry; its <see cref="AuditEntry.Id"/> is ignored and assigned here.</summary>
    /// <returns>The entry as stored, with its id.</returns>
    /// <exception cref="StorageException">InvalidArgument for a bad field; nothing is written.</exception>
    public AuditEntry WriteAuditEntry(AuditEntry entry)
    {
        ValidateEntry(entry);
        return _database.Write((connection, transaction) => ReadEntry(connection, transaction, Insert(_database, connection, transaction, entry)));
    }

    /// <summary>
    /// Walks the hash chain oldest first and reports the first broken link: an edited entry (its hash
    /// no longer matches), a deleted, inserted or reordered one (ids or links out of step), or a
    /// deleted newest entry (the highest id ever assigned is missing).
    /// </summary>
    public AuditChainReport VerifyChain() => _database.Read(static connection =>
    {
        long expectedId = 1;
        string expectedPrevious = AuditChain.Genesis;
        using (DbCommand command = SqlRegistry.Command(connection, null, AuditSql.SelectAuditChain))
        using (DbDataReader reader = command.ExecuteReader())
        {
            RowList<AuditEntry> entries = RowList<AuditEntry>.Read(reader, AuditEntryRowMapper.Instance);
            if (entries.Unreadable.Count > 0)
            {
                UnreadableRow row = entries.Unreadable[0];
                long at = long.TryParse(row.Key, System.Globalization.CultureInfo.InvariantCulture, out long id) ? id : expectedId;
                return new AuditChainReport(false, Math.Max(0, at - 1), at, $"entry {row.Key} cannot be read ({row.Reason}): it was written outside bot-bottle.");
            }

            foreach (AuditEntry entry in entries)
            {
                string? problem = entry.Id != expectedId
                    ? $"entry {expectedId} is missing: entries were deleted (the next present is {entry.Id})."
                    : entry.EntryHash is null
                        ? $"entry {entry.Id} has no hash: it was inserted outside bot-bottle, or by a binary that predates migration 0004."
                        : entry.PrevHash != expectedPrevious
                            ? $"entry {entry.Id} does not link to entry {entry.Id - 1}: entries were deleted, inserted or reordered."
                            : entry.EntryHash != HashOf(entry)
                                ? $"entry {entry.Id} was edited after it was written (its fields no longer match its hash)."
                                : null;
                if (problem is not null)
                {
                    return new AuditChainReport(false, expectedId - 1, Math.Min(entry.Id, expectedId), problem);
                }

                expectedId++;
                expectedPrevious = entry.EntryHash!;
            }
        }

        long highest = SqlRegistry.Scalar<long>(connection, null, AuditSql.SelectAuditSequence);
        return highest >= expectedId
            ? new AuditChainReport(false, expectedId - 1, expectedId, $"entries {expectedId} to {highest} are missing: the newest entries were deleted.")
            : new AuditChainReport(true, expectedId - 1, null, null);
    });

    internal static void ValidateEntry(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Validate.Slug(entry.BottleSlug);
        Validate.Name(entry.Component, "component");
        Validate.Name(entry.OperatorAction, "operator_action");
        Validate.Text(entry.OperatorNotes, "operator_notes", Validate.MaxTextBytes);
        Validate.Text(entry.Justification, "justification", Validate.MaxTextBytes);
        Validate.Text(entry.Diff, "diff", Validate.MaxDiffBytes);
    }

    /// <summary>
    /// Appends <paramref name="entry"/> inside the caller's write transaction and links it into the
    /// hash chain (the write lock is held, so no other entry can slip in between); returns its id.
    /// </summary>
    internal static long Insert(IStoreDatabase database, DbConnection connection, DbTransaction transaction, AuditEntry entry)
    {
        string timestamp = SqliteValues.FormatTimestamp(entry.Timestamp);
        long id;
        using (DbCommand insert = SqlRegistry.Command(connection, transaction, AuditSql.InsertAuditEntry))
        {
            insert.Bind("$timestamp", timestamp)
                .Bind("$bottle_slug", entry.BottleSlug)
                .Bind("$component", entry.Component)
                .Bind("$operator_action", entry.OperatorAction)
                .Bind("$operator_notes", entry.OperatorNotes)
                .Bind("$justification", entry.Justification)
                .Bind("$diff", entry.Diff);
            id = (long)insert.ExecuteScalar()!;
        }

        // The server's insert (PostgreSQL's bb_audit_append) numbered and chained it already, under the chain's own lock.
        if (database.ServerKeepsRules)
        {
            return id;
        }

        string previous;
        using (DbCommand select = SqlRegistry.Command(connection, transaction, AuditSql.SelectPreviousAuditHash).Bind("$id", id))
        {
            // No earlier entry: the chain starts here. An earlier entry without a hash stays a visible break.
            object? value = select.ExecuteScalar();
            previous = value is null ? AuditChain.Genesis : value as string ?? string.Empty;
        }

        string hash = AuditChain.Hash(previous, id, timestamp, entry.BottleSlug, entry.Component, entry.OperatorAction, entry.OperatorNotes, entry.Justification, entry.Diff);
        using DbCommand update = SqlRegistry.Command(connection, transaction, AuditSql.UpdateAuditHashes);
        update.Bind("$prev_hash", previous).Bind("$entry_hash", hash).Bind("$id", id).ExecuteNonQuery();
        return id;
    }

    /// <summary>
    /// The id the next entry will get and the hash it links to, for an entry a trigger writes
    /// (a withdrawal's): the same chain rule as <see cref="Insert"/>. Only inside the write
    /// transaction that writes the entry, which holds the lock, are these still true when it lands.
    /// </summary>
    internal static (long Id, string Previous) NextLink(DbConnection connection, DbTransaction transaction)
    {
        using DbCommand select = SqlRegistry.Command(connection, transaction, AuditSql.SelectNextAuditLink);
        using DbDataReader reader = select.ExecuteReader();
        reader.Read();
        long id = reader.GetInt64(0);
        string previous = reader.GetInt64(2) == 0 ? AuditChain.Genesis : reader.IsDBNull(1) ? string.Empty : reader.GetString(1);
        return (id, previous);
    }

    internal static AuditEntry ReadEntry(DbConnection connection, DbTransaction? transaction, long id)
    {
        using DbCommand command = SqlRegistry.Command(connection, transaction, AuditSql.SelectAuditEntry).Bind("$id", id);
        using DbDataReader reader = command.ExecuteReader();
        return AuditEntryRowMapper.Instance.ReadFirstOrDefault(reader)!;
    }

    private static string HashOf(AuditEntry entry)
        => AuditChain.Hash(entry.PrevHash!, entry.Id, SqliteValues.FormatTimestamp(entry.Timestamp), entry.BottleSlug, entry.Component, entry.OperatorAction, entry.OperatorNotes, entry.Justification, entry.Diff);

    /// <summary>Entries matching every filter in <paramref name="query"/>, oldest first.</summary>
    /// <exception cref="StorageException">InvalidArgument for a bad filter.</exception>
    /// <returns>The entries, and aside (<see cref="RowList{T}.Unreadable"/>) any row that could not be read.</returns>
    public RowList<AuditEntry> ReadAuditEntries(AuditQuery? query = null)
    {
        query ??= AuditQuery.All;
        if (query.BottleSlug is not null)
        {
            Validate.Slug(query.BottleSlug);
        }

        if (query.Component is not null)
        {
            Validate.Name(query.Component, "component");
        }

        if (query.Limit is < 0)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "limit must be zero or more.");
        }

        // No bound, no filter: a row whose timestamp is not a time (written by hand) is still listed, as unreadable.
        string? since = query.Since is { } s ? SqliteValues.FormatTimestamp(s) : null;
        string? until = query.Until is { } u ? SqliteValues.FormatTimestamp(u) : null;
        SqlStatement statement = query.BottleSlug is not null ? AuditSql.SelectAuditBySlug
            : query.Component is not null ? AuditSql.SelectAuditByComponent
            : AuditSql.SelectAuditAll;

        return _database.Read(connection =>
        {
            using DbCommand command = SqlRegistry.Command(connection, null, statement)
                .Bind("$since", since)
                .Bind("$until", until)
                .Bind("$limit", query.Limit ?? -1);
            if (query.BottleSlug is not null)
            {
                command.Bind("$bottle_slug", query.BottleSlug);
            }

            if (statement != AuditSql.SelectAuditAll)
            {
                command.Bind("$component", query.Component);
            }

            using DbDataReader reader = command.ExecuteReader();
            return RowList<AuditEntry>.Read(reader, AuditEntryRowMapper.Instance);
        });
    }
}
