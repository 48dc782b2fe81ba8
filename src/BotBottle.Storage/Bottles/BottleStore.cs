using System;
using System.Collections.Generic;
using System.Linq;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Sql;
using BotBottle.Storage.Validation;
using System.Data.Common;

namespace BotBottle.Storage.Bottles;

/// <summary>
/// The bottles the host runs (<c>bottles</c>, migration 0007): a sidecar registers its own bottle,
/// keeps it fresh with a slow heartbeat and marks it stopped; the operator's dashboard lists every
/// bottle with its pending proposals in one query.
/// </summary>
public sealed class BottleStore
{
    /// <summary>The longest heartbeat a sidecar may promise: a bottle is stale after three missed ones.</summary>
    public static readonly TimeSpan MaxHeartbeat = TimeSpan.FromHours(1);

    private readonly IStoreDatabase _database;

    /// <summary>The bottles of <paramref name="database"/>.</summary>
    public BottleStore(BotBottleDatabase database)
        : this((IStoreDatabase)database)
    {
    }

    /// <summary>The same over fleet mode's PostgreSQL <paramref name="database"/>.</summary>
    public BottleStore(PostgresDatabase database)
        : this((IStoreDatabase)database)
    {
    }

    private BottleStore(IStoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Marks <paramref name="slug"/> running from now, replacing whatever an earlier run left.</summary>
    /// <param name="slug">The bottle.</param>
    /// <param name="backend">How it runs, for the dashboard (for example docker, or vm).</param>
    /// <param name="sidecarVersion">The registering binary's version.</param>
    /// <param name="heartbeat">How often <see cref="Heartbeat"/> will be called; 1 s to an hour.</param>
    /// <exception cref="StorageException">InvalidArgument for a bad slug, backend, version or heartbeat.</exception>
    public void Register(string slug, string backend, string sidecarVersion, TimeSpan heartbeat)
    {
        Validate.Slug(slug, "slug");
        RequireLabel(backend, "backend");
        RequireLabel(sidecarVersion, "sidecar_version");
        if (heartbeat < TimeSpan.FromSeconds(1) || heartbeat > MaxHeartbeat)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "heartbeat must be between 1 second and 1 hour.");
        }

        _database.Write((connection, transaction) =>
        {
            using DbCommand command = SqlRegistry.Command(connection, transaction, BottleSql.Register)
                .Bind("$slug", slug)
                .Bind("$backend", backend)
                .Bind("$now", SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow))
                .Bind("$sidecar_version", sidecarVersion)
                .Bind("$heartbeat_seconds", (long)Math.Ceiling(heartbeat.TotalSeconds));
            return command.ExecuteNonQuery();
        });
    }

    /// <summary>Records that <paramref name="slug"/>'s sidecar is alive; does nothing for a stopped or unknown bottle.</summary>
    public void Heartbeat(string slug) => Touch(slug, BottleSql.Heartbeat);

    /// <summary>Marks <paramref name="slug"/> stopped, now.</summary>
    public void Stop(string slug) => Touch(slug, BottleSql.Stop);

    /// <summary>Every bottle with its state and pending proposals, by slug; one statement.</summary>
    /// <param name="now">The time staleness is judged at (tests); default: now.</param>
    public IReadOnlyList<BottleStatus> List(DateTimeOffset? now = null)
    {
        string at = SqliteValues.FormatTimestamp(now ?? DateTimeOffset.UtcNow);
        return _database.Read(connection =>
        {
            using DbCommand command = SqlRegistry.Command(connection, null, BottleSql.ListBottles).Bind("$now", at);
            using DbDataReader reader = command.ExecuteReader();
            return BottleStatusRowMapper.Instance.ReadAll(reader);
        });
    }

    private void Touch(string slug, SqlStatement statement)
    {
        Validate.Slug(slug, "slug");
        _database.Write((connection, transaction) =>
        {
            using DbCommand command = SqlRegistry.Command(connection, transaction, statement)
                .Bind("$slug", slug)
                .Bind("$now", SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow));
            return command.ExecuteNonQuery();
        });
    }

    // Short printable ASCII: these come from the sidecar's own command line, and the dashboard prints them.
    private static void RequireLabel(string value, string name)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 64 || !value.All(static c => c is > ' ' and < '\u007f'))
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, $"{name} must be 1 to 64 printable ASCII characters without spaces.");
        }
    }
}
