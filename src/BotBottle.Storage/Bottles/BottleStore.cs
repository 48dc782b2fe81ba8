using System;
using System.Collections.Generic;
using System.Linq;
using BotBottle.Storage.Audit;
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

    /// <summary>Over <paramref name="database"/>, a host's SQLite file or fleet mode's PostgreSQL: the same rules on either.</summary>
    public BottleStore(StoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database.Engine;
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

        // In fleet mode the server checks the grant and stamps the time.
        _database.Write((connection, transaction) =>
        {
            using DbCommand command = SqlRegistry.Command(connection, transaction, _database.ServerKeepsRules ? BottleSql.RegisterOnServer : BottleSql.Register)
                .Bind("$slug", slug)
                .Bind("$backend", backend)
                .Bind("$sidecar_version", sidecarVersion)
                .Bind("$heartbeat_seconds", (long)Math.Ceiling(heartbeat.TotalSeconds));
            if (!_database.ServerKeepsRules)
            {
                command.Bind("$now", SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow));
            }

            return command.ExecuteNonQuery();
        });
    }

    /// <summary>Records that <paramref name="slug"/>'s sidecar is alive; does nothing for a stopped or unknown bottle.</summary>
    public void Heartbeat(string slug) => Touch(slug, _database.ServerKeepsRules ? BottleSql.HeartbeatOnServer : BottleSql.Heartbeat);

    /// <summary>Marks <paramref name="slug"/> stopped, now.</summary>
    public void Stop(string slug) => Touch(slug, _database.ServerKeepsRules ? BottleSql.StopOnServer : BottleSql.Stop);

    /// <summary>
    /// Fleet mode: lets the broker logged in as <paramref name="brokerRole"/> serve <paramref name="slug"/>
    /// (moving it from whichever broker served it), and audits the grant in the same transaction.
    /// A broker serves only what was granted to it; PostgreSQL enforces that.
    /// </summary>
    /// <returns>The audit entry.</returns>
    /// <exception cref="StorageException">
    /// InvalidArgument for a bad slug or a role that is not a broker login role; Denied on a single
    /// host (its one broker serves every bottle) and to anyone but an operator.
    /// </exception>
    public AuditEntry Grant(string slug, string brokerRole)
    {
        Validate.Slug(slug, "slug");
        if (string.IsNullOrEmpty(brokerRole) || brokerRole.Length > 63 || !brokerRole.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "The broker role must be a PostgreSQL role name of 1 to 63 lower-case letters, digits and '_'.");
        }

        RequireFleetOperator("grant");
        return _database.Write((connection, transaction) =>
        {
            using (DbCommand isBroker = SqlRegistry.Command(connection, transaction, BottleSql.IsBrokerRole).Bind("$broker_role", brokerRole))
            {
                if (isBroker.ExecuteScalar() is not true)
                {
                    throw new StorageException(
                        StorageErrorKind.InvalidArgument,
                        $"'{brokerRole}' is not a broker login role of this cluster; create it first: CREATE ROLE {brokerRole} LOGIN IN ROLE bot_bottle_broker.");
                }
            }

            string? before = GrantedTo(connection, transaction, slug);
            using (DbCommand upsert = SqlRegistry.Command(connection, transaction, BottleSql.UpsertGrant))
            {
                upsert.Bind("$slug", slug).Bind("$broker_role", brokerRole).Bind("$now", SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow)).ExecuteNonQuery();
            }

            string notes = before is null || before == brokerRole ? $"granted to {brokerRole}" : $"granted to {brokerRole} (was {before})";
            return AuditGrant(connection, transaction, slug, "granted", notes);
        });
    }

    /// <summary>Fleet mode: no broker serves <paramref name="slug"/> any more; audited in the same transaction.</summary>
    /// <returns>The audit entry.</returns>
    /// <exception cref="StorageException">NotFound when nothing was granted; Denied as for <see cref="Grant"/>.</exception>
    public AuditEntry Revoke(string slug)
    {
        Validate.Slug(slug, "slug");
        RequireFleetOperator("revoke");
        return _database.Write((connection, transaction) =>
        {
            string before = GrantedTo(connection, transaction, slug)
                ?? throw new StorageException(StorageErrorKind.NotFound, $"Bottle '{slug}' is not granted to any broker; 'bottles grants' lists what is.");
            using (DbCommand delete = SqlRegistry.Command(connection, transaction, BottleSql.DeleteGrant).Bind("$slug", slug))
            {
                delete.ExecuteNonQuery();
            }

            return AuditGrant(connection, transaction, slug, "revoked", $"revoked from {before}");
        });
    }

    /// <summary>Fleet mode: every grant, by slug. Empty on a single host, where there are none.</summary>
    public IReadOnlyList<BottleGrant> ListGrants()
    {
        if (!_database.ServerKeepsRules)
        {
            return [];
        }

        return _database.Read(static connection =>
        {
            using DbCommand command = SqlRegistry.Command(connection, null, BottleSql.ListGrants);
            using DbDataReader reader = command.ExecuteReader();
            var grants = new List<BottleGrant>();
            while (reader.Read())
            {
                grants.Add(new BottleGrant(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return grants;
        });
    }

    private static string? GrantedTo(DbConnection connection, DbTransaction transaction, string slug)
    {
        using DbCommand select = SqlRegistry.Command(connection, transaction, BottleSql.SelectGrant).Bind("$slug", slug);
        return select.ExecuteScalar() as string;
    }

    private AuditEntry AuditGrant(DbConnection connection, DbTransaction transaction, string slug, string action, string notes)
    {
        var entry = new AuditEntry(0, DateTimeOffset.UtcNow, slug, GrantComponent, action, notes, string.Empty, string.Empty);
        return AuditStore.ReadEntry(connection, transaction, AuditStore.Insert(_database, connection, transaction, entry));
    }

    /// <summary>The audit log's component for grants and revocations.</summary>
    public const string GrantComponent = "fleet";

    private void RequireFleetOperator(string verb)
    {
        if (!_database.ServerKeepsRules)
        {
            throw new StorageException(
                StorageErrorKind.Denied,
                $"bottles {verb} is for fleet mode (PostgreSQL); on a single host the host's own broker serves every bottle and nothing is granted.");
        }

        if (_database.Role != DatabaseRole.Host)
        {
            throw new StorageException(StorageErrorKind.Denied, $"Only an operator may {verb} bottles; a broker serves what it was granted.");
        }
    }

    /// <summary>Every bottle with its state and pending proposals, by slug; one statement.</summary>
    /// <param name="now">The time staleness is judged at (tests); default: now.</param>
    /// <returns>The bottles, and aside (<see cref="RowList{T}.Unreadable"/>) any row that could not be read.</returns>
    public RowList<BottleStatus> List(DateTimeOffset? now = null)
    {
        string at = SqliteValues.FormatTimestamp(now ?? DateTimeOffset.UtcNow);
        return _database.Read(connection =>
        {
            using DbCommand command = SqlRegistry.Command(connection, null, BottleSql.ListBottles).Bind("$now", at);
            using DbDataReader reader = command.ExecuteReader();
            return RowList<BottleStatus>.Read(reader, BottleStatusRowMapper.Instance);
        });
    }

    private void Touch(string slug, SqlStatement statement)
    {
        Validate.Slug(slug, "slug");
        _database.Write((connection, transaction) =>
        {
            using DbCommand command = SqlRegistry.Command(connection, transaction, statement).Bind("$slug", slug);
            if (!_database.ServerKeepsRules)
            {
                command.Bind("$now", SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow));
            }

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
