using System;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;

namespace BotBottle.Storage;

/// <summary>
/// The one public way to open the stores, whichever engine holds the data: a host's SQLite file, or
/// in fleet mode a PostgreSQL database named by a <c>postgres://</c> URL. Which one is decided here
/// and nowhere else, so a command, the broker or the C ABI asks for a store and never cares.
/// </summary>
public sealed class Stores : IDisposable
{
    private readonly IStoreDatabase _database;
    private readonly IDisposable? _connections;

    private Stores(StoreDatabase database, BotBottleDatabase? file, IDisposable? connections)
    {
        _database = database.Engine;
        _connections = connections;
        File = file;
        Queue = new QueueStore(database);
        Audit = new AuditStore(database);
        Bottles = new BottleStore(database);
        Limits = new LimitsStore(database);
        Decisions = new OperatorDecisions(database);
    }

    /// <summary>What a build without PostgreSQL says when it is given a fleet database.</summary>
    public const string NoFleetSupport =
        "This build has no PostgreSQL support: it stays small for sidecar images and single-host processes. Fleet mode is bot-bottle-host for commands and brokers, and libbotbottle-fleet for host processes (botbottle.py loads it by itself for a postgres:// database or a fleet config).";

    /// <summary>The queue.</summary>
    public QueueStore Queue { get; }

    /// <summary>The audit log.</summary>
    public AuditStore Audit { get; }

    /// <summary>The bottles and, in fleet mode, their grants.</summary>
    public BottleStore Bottles { get; }

    /// <summary>The caps.</summary>
    public LimitsStore Limits { get; }

    /// <summary>The operator's decisions, each with its audit entry.</summary>
    public OperatorDecisions Decisions { get; }

    /// <summary>The SQLite file, for what exists only there (its integrity check, doctor, a read-only watch); null in fleet mode.</summary>
    public BotBottleDatabase? File { get; }

    /// <summary>The file's path, or the PostgreSQL database as <c>postgres://role@host:port/db</c>.</summary>
    public string Description => _database.Description;

    /// <summary>How waits learn of changes here, for logs.</summary>
    public WaitMode Waits => _database.DescribeWaits();

    /// <summary>The signal that another process committed a change, for live views.</summary>
    internal IChangeSignal Changes => _database.Changes;

    /// <summary>
    /// Where a host's data is: <paramref name="given"/> when there is one (a file path or a
    /// <c>postgres://</c> URL, from <c>--db</c> or a caller), else the URL in the host's fleet config
    /// (<see cref="HostPaths.FleetConfig"/>) when it has one, else the host's SQLite file. Never an
    /// environment variable: nothing a sidecar can see chooses it.
    /// </summary>
    /// <exception cref="StorageException">The fleet config is readable by others or holds no URL.</exception>
    public static string Locate(string? given)
    {
        HostPaths paths = HostPaths.ForCurrentUser();
        return given ?? FleetConfig.Read(paths.FleetConfig) ?? paths.DbPath;
    }

    /// <summary>Whether <paramref name="location"/> is fleet mode's PostgreSQL (a <c>postgres://</c> URL) rather than a file.</summary>
    public static bool IsFleet(string location) => FleetConfig.IsPostgresUrl(location);

    /// <summary>
    /// Opens <paramref name="location"/> as the operator: a SQLite file is created and migrated when
    /// missing (unless <paramref name="create"/> is false); PostgreSQL is never migrated here (its owner
    /// runs db migrate) and a schema this binary cannot use is refused.
    /// </summary>
    /// <exception cref="StorageException">As the engine's open; InvalidArgument for a fleet database in a build without PostgreSQL.</exception>
    public static Stores OpenHost(string location, bool create = true)
    {
        if (OpensFleet(location) && FleetSupport.IsSupported)
        {
            PostgresDatabase fleet = PostgresDatabase.Open(location, migrate: false, role: DatabaseRole.Host);
            return new Stores(fleet, null, fleet);
        }

        BotBottleDatabase file = BotBottleDatabase.OpenHost(location, create: create);
        return new Stores(file, file, null);
    }

    /// <summary>
    /// Opens <paramref name="location"/> for a host broker serving <paramref name="slug"/>: SQLite as
    /// the host (creating and migrating) and then through a sidecar-role connection for that bottle, so
    /// even a bug in the broker cannot answer or rewrite the audit log; PostgreSQL as the broker's own
    /// role, which the server confines to the bottles granted to it.
    /// </summary>
    /// <exception cref="StorageException">As <see cref="OpenHost"/>.</exception>
    public static Stores OpenBroker(string location, string slug)
    {
        if (OpensFleet(location) && FleetSupport.IsSupported)
        {
            PostgresDatabase fleet = PostgresDatabase.Open(location, migrate: false, role: DatabaseRole.Sidecar);
            return new Stores(fleet, null, fleet);
        }

        BotBottleDatabase.OpenHost(location);
        BotBottleDatabase file = BotBottleDatabase.OpenSidecar(location, bottleSlug: slug);
        return new Stores(file, file, null);
    }

    /// <summary>
    /// Opens <paramref name="location"/> for a live view (queue watch): checked like
    /// <see cref="OpenHost"/> (never created), then a SQLite file is watched through a read-only
    /// connection, so a database that disappears is reported, never recreated empty. A fleet database
    /// is watched through the operator's own connection (the server has no read-only file to open).
    /// </summary>
    /// <exception cref="StorageException">As <see cref="OpenHost"/>; NotFound when the file does not exist.</exception>
    public static Stores OpenForWatching(string location)
    {
        Stores checkedStores = OpenHost(location, create: false);
        if (checkedStores.File is null)
        {
            return checkedStores;
        }

        BotBottleDatabase readOnly = BotBottleDatabase.OpenReadOnly(location);
        return new Stores(readOnly, readOnly, null);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with the migrator of <paramref name="location"/>, connected without
    /// looking at the schema (the commands that report or change it): SQLite's file is created only
    /// when <paramref name="create"/>; PostgreSQL is connected as given (its owner migrates).
    /// </summary>
    /// <exception cref="StorageException">As <see cref="OpenHost"/>.</exception>
    public static T WithSchema<T>(string location, bool create, Func<ISchemaMigrator, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (OpensFleet(location) && FleetSupport.IsSupported)
        {
            using PostgresDatabase fleet = PostgresDatabase.Connect(location);
            return work(new PostgresMigrator(fleet));
        }

        return work(new Migrator(BotBottleDatabase.OpenHost(location, migrate: false, create: create)));
    }

    /// <summary>Releases fleet mode's connection pool and listener; SQLite pools per file and has nothing to release.</summary>
    public void Dispose() => _connections?.Dispose();

    // Callers test FleetSupport.IsSupported again in the same condition, so the trimmer drops the
    // PostgreSQL branch (and Npgsql) from the builds without it.
    private static bool OpensFleet(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!IsFleet(location))
        {
            return false;
        }

        return FleetSupport.IsSupported ? true : throw new StorageException(StorageErrorKind.InvalidArgument, NoFleetSupport);
    }
}
