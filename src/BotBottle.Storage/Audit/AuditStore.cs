using System;
using System.Collections.Generic;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Sql;
using BotBottle.Storage.Validation;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Audit;

/// <summary>The audit log of operator decisions. Append-only; thread-safe.</summary>
public sealed class AuditStore
{
    // Bounds for the text range filter: every stored timestamp sorts between these.
    private const string EarliestTimestamp = "0000";
    private const string LatestTimestamp = "9999";

    private readonly BotBottleDatabase _database;

    /// <summary>An audit log over <paramref name="database"/>.</summary>
    public AuditStore(BotBottleDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Appends an entry; its <see cref="AuditEntry.Id"/> is ignored and assigned here.</summary>
    /// <returns>The entry as stored, with its id.</returns>
    /// <exception cref="StorageException">InvalidArgument for a bad field; nothing is written.</exception>
    public AuditEntry WriteAuditEntry(AuditEntry entry)
    {
        ValidateEntry(entry);
        long id = _database.Write((connection, transaction) => Insert(connection, transaction, entry));

        // Stored timestamps have 100 ns precision in UTC; hand back what a read would return.
        return AsStored(entry, id);
    }

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

    /// <summary>Appends <paramref name="entry"/> inside the caller's write transaction; returns its id.</summary>
    internal static long Insert(SqliteConnection connection, SqliteTransaction transaction, AuditEntry entry)
    {
        using SqliteCommand insert = SqlRegistry.Command(connection, transaction, SqlRegistry.InsertAuditEntry);
        insert.Bind("$timestamp", SqliteValues.FormatTimestamp(entry.Timestamp))
            .Bind("$bottle_slug", entry.BottleSlug)
            .Bind("$component", entry.Component)
            .Bind("$operator_action", entry.OperatorAction)
            .Bind("$operator_notes", entry.OperatorNotes)
            .Bind("$justification", entry.Justification)
            .Bind("$diff", entry.Diff);
        return (long)insert.ExecuteScalar()!;
    }

    internal static AuditEntry AsStored(AuditEntry entry, long id)
        => entry with { Id = id, Timestamp = SqliteValues.ReadTimestamp(SqliteValues.FormatTimestamp(entry.Timestamp)) };

    /// <summary>Entries matching every filter in <paramref name="query"/>, oldest first.</summary>
    /// <exception cref="StorageException">InvalidArgument for a bad filter.</exception>
    public List<AuditEntry> ReadAuditEntries(AuditQuery? query = null)
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

        string since = query.Since is { } s ? SqliteValues.FormatTimestamp(s) : EarliestTimestamp;
        string until = query.Until is { } u ? SqliteValues.FormatTimestamp(u) : LatestTimestamp;
        SqlStatement statement = query.BottleSlug is not null ? SqlRegistry.SelectAuditBySlug
            : query.Component is not null ? SqlRegistry.SelectAuditByComponent
            : SqlRegistry.SelectAuditAll;

        return _database.Read(connection =>
        {
            using SqliteCommand command = SqlRegistry.Command(connection, null, statement)
                .Bind("$since", since)
                .Bind("$until", until)
                .Bind("$limit", query.Limit ?? -1);
            if (query.BottleSlug is not null)
            {
                command.Bind("$bottle_slug", query.BottleSlug);
            }

            if (statement != SqlRegistry.SelectAuditAll)
            {
                command.Bind("$component", query.Component);
            }

            using SqliteDataReader reader = command.ExecuteReader();
            return AuditEntryRowMapper.Instance.ReadAll(reader);
        });
    }
}
