using System;
using System.CommandLine;
using System.IO;
using BotBottle.Storage;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// The database a host command works on: the host's SQLite file (the default, or <c>--db PATH</c>),
/// or in fleet mode the PostgreSQL database named by <c>--db postgres://…</c> or by
/// <c>~/.bot-bottle/fleet.conf</c>. Host commands ask it for stores and never care which it is.
/// Never from an environment variable: nothing a sidecar can see chooses it.
/// </summary>
internal sealed class HostDatabase
{
    private readonly BotBottleDatabase? _file;
    private readonly PostgresDatabase? _fleet;

    private HostDatabase(BotBottleDatabase? file, PostgresDatabase? fleet, string description)
    {
        _file = file;
        _fleet = fleet;
        Description = description;
    }

    /// <summary>
    /// Whether this is fleet mode's PostgreSQL. Tested through <see cref="FleetSupport.IsSupported"/>
    /// first, so the published sidecar's trimmer sees every PostgreSQL branch as dead code.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(_fleet))]
    private bool IsFleet => FleetSupport.IsSupported && _fleet is not null;

    /// <summary>The file's path, or the PostgreSQL database as <c>postgres://role@host:port/db</c>.</summary>
    public string Description { get; }

    /// <summary>The SQLite file, for the commands that exist only there (db check, doctor); null in fleet mode.</summary>
    public BotBottleDatabase? File => _file;

    /// <summary>The signal that another process committed a change, for live views.</summary>
    public IChangeSignal Changes => IsFleet ? ((IStoreDatabase)_fleet).Changes : ((IStoreDatabase)_file!).Changes;

    /// <summary>How waits learn of changes here.</summary>
    public WaitMode Waits => IsFleet ? _fleet.DescribeWaits() : WaitMode.For(_file!.Path);

    public QueueStore Queue() => IsFleet ? new QueueStore(_fleet) : new QueueStore(_file!);

    public OperatorDecisions Decisions() => IsFleet ? new OperatorDecisions(_fleet) : new OperatorDecisions(_file!);

    public AuditStore Audit() => IsFleet ? new AuditStore(_fleet) : new AuditStore(_file!);

    public BottleStore Bottles() => IsFleet ? new BottleStore(_fleet) : new BottleStore(_file!);

    public LimitsStore Limits() => IsFleet ? new LimitsStore(_fleet) : new LimitsStore(_file!);

    /// <summary>
    /// The fleet database named for this command, or null for the SQLite file: <c>--db postgres://…</c>
    /// first, then <c>~/.bot-bottle/fleet.conf</c> unless <c>--db</c> names a file. Callers test
    /// <see cref="FleetSupport.IsSupported"/> after it (it refuses a fleet database where that is
    /// false), so the trimmer can drop their PostgreSQL branch.
    /// </summary>
    /// <exception cref="UsageException">Fleet mode in an executable without it.</exception>
    /// <exception cref="Storage.Errors.StorageException">The config file is readable by others or holds no URL.</exception>
    public static string? FleetConnection(ParseResult parse)
    {
        string? db = parse.GetValue(CommonOptions.Db);
        string? connection = db is not null
            ? FleetConfig.IsPostgresUrl(db) ? db : null
            : FleetConfig.Read(HostPaths.ForCurrentUser().FleetConfig);
        if (connection is not null && !FleetSupport.IsSupported)
        {
            throw new UsageException("bot-bottle-sidecar has no PostgreSQL support (it ships in sidecar images and stays small); run fleet-mode host commands and brokers with bot-bottle-host, built from the same source.");
        }

        return connection;
    }

    /// <summary>
    /// Opens the host's database as the operator: SQLite is created and migrated when missing (unless
    /// <paramref name="create"/> is false); PostgreSQL is never migrated here (its owner runs db migrate).
    /// </summary>
    public static HostDatabase Open(ParseResult parse, bool create = true)
    {
        if (FleetConnection(parse) is { } connection && FleetSupport.IsSupported)
        {
            PostgresDatabase fleet = PostgresDatabase.Open(connection, migrate: false, role: DatabaseRole.Host);
            return new HostDatabase(null, fleet, fleet.Description);
        }

        BotBottleDatabase file = BotBottleDatabase.OpenHost(CommonOptions.HostDbPath(parse), create: create);
        return new HostDatabase(file, null, file.Path);
    }

    /// <summary>
    /// Opens it for a host broker serving <paramref name="slug"/>: SQLite as the host (creating and
    /// migrating) then through a sidecar-role connection; PostgreSQL as the broker's own role, which
    /// the server confines to the bottles it registers.
    /// </summary>
    public static HostDatabase OpenForBroker(ParseResult parse, string slug)
    {
        if (FleetConnection(parse) is { } connection && FleetSupport.IsSupported)
        {
            PostgresDatabase fleet = PostgresDatabase.Open(connection, migrate: false, role: DatabaseRole.Sidecar);
            return new HostDatabase(null, fleet, fleet.Description);
        }

        string path = CommonOptions.HostDbPath(parse);
        BotBottleDatabase.OpenHost(path);
        return new HostDatabase(BotBottleDatabase.OpenSidecar(path, bottleSlug: slug), null, path);
    }
}
