using System;
using System.Collections.Generic;
using System.Data.Common;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Database;

/// <summary>
/// One bot-bottle database and the only place that opens connections to it. Every connection
/// gets the same policy: WAL, <c>busy_timeout=5000</c> (SQLite's own busy handler),
/// <c>foreign_keys=ON</c>, <c>synchronous=NORMAL</c> (or FULL), and every write runs inside
/// <c>BEGIN IMMEDIATE</c> so writers queue on the lock instead of failing on upgrade.
/// Instances are thread-safe; each operation uses its own pooled connection.
/// </summary>
public sealed class BotBottleDatabase : StoreDatabase, IStoreDatabase
{
    /// <inheritdoc />
    internal override IStoreDatabase Engine => this;

    /// <summary>How long a statement waits for another process's lock before reporting Busy.</summary>
    public const int BusyTimeoutMilliseconds = 5000;

    /// <summary>SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE.</summary>
    private const int NoCheckpointOnClose = 1006;

    private readonly string _connectionString;
    private readonly SqlStatement _connectionPolicy;

    /// <summary>The SQL function the bottles table's triggers ask which bottle a connection may write (migration 0007).</summary>
    internal const string WriterBottleFunction = "bb_writer_bottle";

    private BotBottleDatabase(string path, DatabaseRole role, SynchronousMode synchronous, string? bottleSlug = null)
    {
        SqliteLibrary.PreferApplicationDirectory();
        Path = path;
        Role = role;
        BottleSlug = bottleSlug;
        Synchronous = synchronous;
        _connectionPolicy = synchronous == SynchronousMode.Full ? DatabaseSql.ConnectionPolicyFull : DatabaseSql.ConnectionPolicyNormal;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = role switch
            {
                DatabaseRole.Host => SqliteOpenMode.ReadWriteCreate,
                DatabaseRole.Sidecar => SqliteOpenMode.ReadWrite,
                _ => SqliteOpenMode.ReadOnly,
            },
            Pooling = true,

            // Microsoft.Data.Sqlite retries SQLITE_BUSY in managed code until this many seconds
            // pass; matching busy_timeout leaves the waiting to SQLite's own handler.
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The role every connection is opened with.</summary>
    public DatabaseRole Role { get; }

    /// <summary>The durability setting every connection is opened with.</summary>
    public SynchronousMode Synchronous { get; }

    /// <summary>For a sidecar: the one bottle whose row in <c>bottles</c> it may write (none when null).</summary>
    public string? BottleSlug { get; }

    /// <summary>
    /// Opens the host database: creates missing directories (0700) and the file (0600), switches
    /// it to WAL and, unless <paramref name="migrate"/> is false, migrates it to the newest schema.
    /// </summary>
    /// <param name="path">The database file; null for <see cref="HostPaths.ForCurrentUser"/>'s default.</param>
    /// <param name="synchronous">Durability of commits.</param>
    /// <param name="migrate">Whether to apply pending migrations now.</param>
    /// <param name="create">Whether to create a missing database; false refuses it instead (for commands that only read).</param>
    /// <exception cref="StorageException">The file cannot be created or opened, or the schema is refused.</exception>
    public static BotBottleDatabase OpenHost(string? path = null, SynchronousMode synchronous = SynchronousMode.Normal, bool migrate = true, bool create = true)
    {
        path ??= HostPaths.ForCurrentUser().DbPath;
        PlacementGuard.Check(path);
        if (create)
        {
            HostPaths.EnsureDatabaseFile(path);
        }
        else
        {
            RequireFile(path, "'bot-bottle-sidecar db migrate' creates it.");
        }

        var database = new BotBottleDatabase(path, DatabaseRole.Host, synchronous);
        database.EnsureWriteAheadLog();
        if (migrate)
        {
            new Migrator(database).MigrateUp();
        }

        return database;
    }

    /// <summary>
    /// Opens an existing database as a sidecar: never creates it, never migrates it, and refuses a
    /// schema this binary cannot work with.
    /// </summary>
    /// <param name="path">The database file, normally <see cref="HostPaths.DbPathInContainer"/>.</param>
    /// <param name="synchronous">Durability of commits.</param>
    /// <param name="bottleSlug">The bottle this sidecar serves: the only row of <c>bottles</c> it may write.</param>
    /// <exception cref="StorageException">The file is missing or the schema is refused.</exception>
    public static BotBottleDatabase OpenSidecar(string path, SynchronousMode synchronous = SynchronousMode.Normal, string? bottleSlug = null)
    {
        PlacementGuard.Check(path);
        RequireFile(path, $"Only the host creates it: run a host command (for example 'bot-bottle-sidecar db migrate') on the host, and mount the host's database directory at {System.IO.Path.GetDirectoryName(path)}.");

        var database = new BotBottleDatabase(path, DatabaseRole.Sidecar, synchronous, bottleSlug is null ? null : Validation.Validate.Slug(bottleSlug, "bottle_slug"));
        database.EnsureWriteAheadLog();
        new Migrator(database).EnsureCompatible();
        return database;
    }

    /// <summary>
    /// Opens an existing database to look at it, changing nothing: read-only, <c>query_only</c>, no
    /// migration, and no switch to WAL (a database in another journal mode stays in it, so a check
    /// can report it).
    /// </summary>
    /// <exception cref="StorageException">The file is missing or a directory.</exception>
    public static BotBottleDatabase OpenReadOnly(string path)
    {
        RequireFile(path, "'bot-bottle-sidecar db migrate' creates it on the host.");
        return new BotBottleDatabase(path, DatabaseRole.Inspector, SynchronousMode.Normal);
    }

    /// <summary>Runs <c>PRAGMA integrity_check</c>: a single "ok" when the file is sound, else each problem found.</summary>
    public IReadOnlyList<string> CheckIntegrity() => Read(static connection =>
    {
        using DbCommand command = SqlRegistry.Command(connection, null, DatabaseSql.IntegrityCheck);
        using DbDataReader reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    });

    /// <summary>
    /// Whether this database can take writes now: it opens, its schema is one this binary works
    /// with, the file and its directory are writable (the write lock is taken and released), and
    /// its filesystem has more free space than the host's reserve. Changes nothing.
    /// </summary>
    public StorageHealth CheckHealth()
    {
        try
        {
            if (Role == DatabaseRole.Sidecar)
            {
                new Migrator(this).EnsureCompatible();
            }

            // A read-only mount or file: pooled connections opened before it changed would not notice until a write fails.
            if (!PosixAccess.CanReadWrite(Path) || !PosixAccess.CanWriteDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!))
            {
                throw new StorageException(StorageErrorKind.ReadOnly, $"The database {Path} or its directory is not writable by this process (uid {PosixAccess.EffectiveUserId}); check the permissions and that the mount is read-write.");
            }

            Limits.SuperviseLimits limits = Read(connection =>
            {
                // SQLite quietly opens a file it cannot write read-only; only the first write would fail.
                if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
                {
                    throw new StorageException(StorageErrorKind.ReadOnly, $"The database {Path} is read-only to this process; check the file and directory permissions and that the mount is writable.");
                }

                using (SqliteTransaction probe = connection.BeginTransaction(deferred: false))
                {
                    probe.Rollback();
                }

                return Limits.LimitsStore.Read(connection, null);
            });

            if (Limits.FreeSpace.AvailableBytes(Path) is { } available && available < limits.FreeSpaceReserveBytes)
            {
                return new StorageHealth(
                    false,
                    StorageErrorKind.DiskFull,
                    $"The disk holding {Path} has {available / (1024 * 1024)} MiB free, below the host's reserve of {limits.FreeSpaceReserveBytes / (1024 * 1024)} MiB: new proposals are refused until space is freed.");
            }

            return StorageHealth.Healthy;
        }
        catch (StorageException exception) when (exception.Kind != StorageErrorKind.Busy)
        {
            return StorageHealth.From(exception);
        }
        catch (StorageException)
        {
            // Another process holding the write lock is normal; the database itself is fine.
            return StorageHealth.Healthy;
        }
        catch (SqliteException exception)
        {
            return StorageHealth.From(SqliteErrors.Translate(exception, Path));
        }
    }

    /// <summary>Opens a connection with the policy applied. The caller disposes it.</summary>
    internal SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using SqliteCommand policy = connection.CreateCommand();
            policy.CommandText = Role == DatabaseRole.Inspector ? DatabaseSql.ConnectionPolicyInspector.Text : _connectionPolicy.Text;
            policy.ExecuteNonQuery();

            // NULL lets the host write any bottle's row; a sidecar gets its own slug, or '' (no row at all).
            string? writerBottle = Role == DatabaseRole.Sidecar ? BottleSlug ?? string.Empty : null;
            WriterBottle.Register(connection.Handle!, writerBottle);
            if (Role == DatabaseRole.Sidecar)
            {
                SidecarAuthorizer.Install(connection.Handle!);

                // A sidecar's propose --wait exits the moment it has its answer; checkpointing the WAL
                // on close (with its fsyncs) would sit between the answer and the exit. The host's
                // processes and every writer's auto-checkpoint still move the WAL into the database.
                _ = SQLitePCL.raw.sqlite3_db_config(connection.Handle, NoCheckpointOnClose, 1, out int _);
            }

            return connection;
        }
        catch (SqliteException exception)
        {
            connection.Dispose();
            throw SqliteErrors.Translate(exception, Path);
        }
    }

    /// <summary>Runs <paramref name="read"/> on a fresh connection without a write lock.</summary>
    internal T Read<T>(Func<SqliteConnection, T> read)
    {
        using SqliteConnection connection = OpenConnection();
        try
        {
            return read(connection);
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Translate(exception, Path);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> inside <c>BEGIN IMMEDIATE</c> and commits when it returns;
    /// any exception rolls everything back, so nothing is half-written.
    /// </summary>
    internal T Write<T>(Func<SqliteConnection, SqliteTransaction, T> write)
    {
        using SqliteConnection connection = OpenConnection();
        try
        {
            // deferred: false is BEGIN IMMEDIATE: the write lock is taken up front, so two writers
            // never both read under a shared lock and then fail to upgrade (SQLITE_BUSY_SNAPSHOT).
            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            T result = write(connection, transaction);
            transaction.Commit();

            // Waiters in this process wake now rather than at the watcher's next poll.
            DataChangeWatcher.NotifyLocalWrite(Path);
            return result;
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Translate(exception, Path);
        }
    }

    /// <inheritdoc />
    string IStoreDatabase.Description => Path;

    /// <inheritdoc />
    string? IStoreDatabase.ReservedDiskPath => Path;

    /// <inheritdoc />
    bool IStoreDatabase.ServerKeepsRules => false;

    /// <inheritdoc />
    void IStoreDatabase.ThrowIfGone()
    {
        if (!File.Exists(Path))
        {
            throw new StorageException(StorageErrorKind.CannotOpen, $"The database {Path} is gone: it was deleted, moved, or its directory unmounted.");
        }
    }

    /// <inheritdoc />
    bool IStoreDatabase.IsAwayForNow(StorageException exception) => false;

    /// <inheritdoc />
    Task<Response?> IStoreDatabase.WaitForResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken)
        => ResponseNotifier.For(this).WaitAsync(proposalId, timeout, cancellationToken);

    /// <inheritdoc />
    IChangeSignal IStoreDatabase.Changes => DataChangeWatcher.For(this);

    /// <inheritdoc />
    void IStoreDatabase.InReadConnection(Action<DbConnection> read) => Read(StoreDatabaseCalls.Returning<SqliteConnection>(read));

    /// <inheritdoc />
    void IStoreDatabase.InWriteTransaction(Action<DbConnection, DbTransaction> write) => Write(StoreDatabaseCalls.Returning<SqliteConnection, SqliteTransaction>(write));

    /// <inheritdoc />
    WaitMode IStoreDatabase.DescribeWaits() => WaitMode.For(Path);

    private static void RequireFile(string path, string howToCreate)
    {
        if (Directory.Exists(path))
        {
            throw new StorageException(
                StorageErrorKind.CannotOpen,
                $"{path} is a directory, not a database file; name the file itself (for example {System.IO.Path.Combine(path, HostPaths.DbFileName)}).");
        }

        if (!File.Exists(path))
        {
            throw new StorageException(StorageErrorKind.CannotOpen, $"No database at {path}. {howToCreate}");
        }
    }

    private void EnsureWriteAheadLog()
    {
        string mode = Read(static connection => SqlRegistry.Scalar<string>(connection, null, DatabaseSql.JournalModeWal) ?? string.Empty);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageException(
                StorageErrorKind.CannotOpen,
                $"{Path} could not be switched to WAL mode (SQLite reports '{mode}'); the filesystem does not support it. Keep the database on a local filesystem.");
        }
    }
}
