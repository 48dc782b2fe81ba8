using System;
using System.Data.Common;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;
using Npgsql;

namespace BotBottle.Storage.Database;

/// <summary>
/// Fleet mode's database: the queue and audit log of many hosts in one PostgreSQL database, and
/// the only place that opens connections to it (as <see cref="BotBottleDatabase"/> is for SQLite).
/// Connections come from one pooled data source; each operation uses its own and one transaction.
/// Which rows a connection may touch is the server's business: the role it logs in as (a host
/// broker's own role, or an operator's) and the row-level security of the migrations.
/// </summary>
public sealed class PostgresDatabase : StoreDatabase, IStoreDatabase, IDisposable
{
    /// <inheritdoc />
    internal override IStoreDatabase Engine => this;

    /// <summary>The advisory lock every write transaction takes first ("bbwrite" in ASCII): one writer at a time, as on SQLite.</summary>
    public const long WriteLockKey = 27692812877788261;

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlDataSource _listenerSource;
    private readonly PostgresChangeListener _changes;

    private PostgresDatabase(NpgsqlConnectionStringBuilder settings, DatabaseRole role)
    {
        Role = role;
        _changes = new PostgresChangeListener(this);
        Description = Describe(settings);

        // The slim builder carries only the type handlers these tables use (text, bigint, double),
        // which keeps NativeAOT executables small and free of reflection.
        _source = new NpgsqlSlimDataSourceBuilder(settings.ConnectionString).Build();

        // LISTEN needs a connection of its own that outlives every operation: unpooled, with TCP
        // keepalives so a silently dead server is noticed.
        _listenerSource = new NpgsqlSlimDataSourceBuilder(new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false, KeepAlive = 10 }.ConnectionString).Build();
    }

    /// <summary>Where this is, for messages: <c>postgres://role@host:port/database</c>, never the password.</summary>
    public string Description { get; }

    /// <summary>
    /// What the store lets this process do before the server is asked: Host for an operator (or the
    /// database owner), Sidecar for a host broker, whose role the server confines to its bottles.
    /// </summary>
    public DatabaseRole Role { get; }

    /// <inheritdoc />
    string? IStoreDatabase.ReservedDiskPath => null;

    /// <inheritdoc />
    bool IStoreDatabase.ServerKeepsRules => true;

    /// <inheritdoc />
    void IStoreDatabase.ThrowIfGone()
    {
    }

    /// <inheritdoc />
    bool IStoreDatabase.IsAwayForNow(StorageException exception) => exception.Kind == StorageErrorKind.CannotOpen;

    /// <inheritdoc />
    Task<Response?> IStoreDatabase.WaitForResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken)
        => ResponseRereader.WaitAsync(this, proposalId, timeout, cancellationToken);

    /// <inheritdoc />
    IChangeSignal IStoreDatabase.Changes => _changes;

    /// <summary>
    /// Opens the fleet database named by <paramref name="connection"/>: a <c>postgres://</c> (or
    /// <c>postgresql://</c>) URL or an Npgsql keyword string. Unless <paramref name="migrate"/> is
    /// true nothing is changed, and a schema this binary cannot use is refused.
    /// </summary>
    /// <param name="connection">Where the database is and who logs in.</param>
    /// <param name="migrate">Whether to apply pending migrations now (the database owner's job).</param>
    /// <param name="role">Host for operators and the owner; Sidecar for a host broker.</param>
    /// <exception cref="StorageException">The connection text is malformed, the server unreachable, the login refused or the schema refused.</exception>
    public static PostgresDatabase Open(string connection, bool migrate = false, DatabaseRole role = DatabaseRole.Host)
    {
        var database = new PostgresDatabase(ParseConnection(connection), role);
        try
        {
            var migrator = new PostgresMigrator(database);
            if (migrate)
            {
                migrator.MigrateUp();
            }
            else
            {
                migrator.EnsureCompatible();
            }

            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects to the fleet database without looking at its schema, for the commands that report
    /// or change the schema itself (<c>db status</c>, <c>db migrate</c>, <c>db down</c>).
    /// </summary>
    /// <exception cref="StorageException">The connection text is malformed.</exception>
    public static PostgresDatabase Connect(string connection) => new(ParseConnection(connection), DatabaseRole.Host);

    /// <summary>Parses a <c>postgres://user:password@host:port/database?key=value</c> URL or an Npgsql keyword string.</summary>
    /// <exception cref="StorageException">InvalidArgument when it is neither.</exception>
    public static NpgsqlConnectionStringBuilder ParseConnection(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        string text = connection.Trim();
        try
        {
            if (!text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            {
                return new NpgsqlConnectionStringBuilder(text);
            }

            var url = new Uri(text);
            var settings = new NpgsqlConnectionStringBuilder
            {
                Host = url.Host.Length == 0 ? "localhost" : url.Host,
                Port = url.IsDefaultPort || url.Port <= 0 ? 5432 : url.Port,
                Database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/')) is { Length: > 0 } name ? name : null,
            };

            string[] user = url.UserInfo.Split(':', 2);
            if (user[0].Length > 0)
            {
                settings.Username = Uri.UnescapeDataString(user[0]);
            }

            if (user.Length == 2)
            {
                settings.Password = Uri.UnescapeDataString(user[1]);
            }

            foreach (string pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = pair.Split('=', 2);
                settings[Uri.UnescapeDataString(parts[0])] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
            }

            return settings;
        }
        catch (Exception exception) when (exception is ArgumentException or UriFormatException or FormatException or InvalidCastException)
        {
            throw new StorageException(
                StorageErrorKind.InvalidArgument,
                $"Not a PostgreSQL connection: {exception.Message}. Give a URL such as postgres://broker_a@db.example:5432/botbottle (the password belongs in ~/.pgpass or the fleet config, mode 0600).",
                exception);
        }
    }

    /// <summary>Opens a pooled connection. The caller disposes it.</summary>
    /// <exception cref="StorageException">The server is unreachable or refused the login.</exception>
    internal NpgsqlConnection OpenConnection()
    {
        try
        {
            return _source.OpenConnection();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            throw Failed(exception);
        }
    }

    /// <summary>Runs <paramref name="read"/> on a pooled connection outside any explicit transaction.</summary>
    internal T Read<T>(Func<NpgsqlConnection, T> read)
    {
        using NpgsqlConnection connection = OpenConnection();
        try
        {
            return read(connection);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            throw Failed(exception);
        }
    }

    /// <summary>Runs <paramref name="write"/> in one transaction and commits when it returns; any exception rolls it all back.</summary>
    internal T Write<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> write)
    {
        using NpgsqlConnection connection = OpenConnection();
        try
        {
            using NpgsqlTransaction transaction = connection.BeginTransaction();

            // The stores' rules read then write (a duplicate to join, the caps, the rate bucket, the
            // audit chain's head); SQLite's BEGIN IMMEDIATE makes that safe by admitting one writer at
            // a time, and this lock does the same across every host of the fleet.
            using (var serialise = new NpgsqlCommand("SELECT pg_advisory_xact_lock(" + WriteLockKey.ToString(CultureInfo.InvariantCulture) + ")", connection, transaction))
            {
                serialise.ExecuteNonQuery();
            }

            T result = write(connection, transaction);
            transaction.Commit();
            return result;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            throw Failed(exception);
        }
    }

    /// <summary>
    /// Translates <paramref name="exception"/>; when the server went away (a restart, a cut), the
    /// pool's idle connections went with it, so they are dropped instead of failing one by one.
    /// </summary>
    private StorageException Failed(Exception exception)
    {
        StorageException translated = PostgresErrors.Translate(exception, Description);
        if (translated.Kind == StorageErrorKind.CannotOpen)
        {
            _source.Clear();
        }

        return translated;
    }

    /// <inheritdoc />
    void IStoreDatabase.InReadConnection(Action<DbConnection> read) => Read(StoreDatabaseCalls.Returning<NpgsqlConnection>(read));

    /// <inheritdoc />
    void IStoreDatabase.InWriteTransaction(Action<DbConnection, DbTransaction> write) => Write(StoreDatabaseCalls.Returning<NpgsqlConnection, NpgsqlTransaction>(write));

    /// <summary>Whether writes would succeed now: the server answers, the login works and the schema is one this binary uses.</summary>
    public StorageHealth CheckHealth()
    {
        try
        {
            new PostgresMigrator(this).EnsureCompatible();
            return StorageHealth.Healthy;
        }
        catch (StorageException exception)
        {
            return StorageHealth.From(exception);
        }
    }

    /// <inheritdoc />
    public WaitMode DescribeWaits() => WaitMode.Notify(Description);

    /// <summary>A connection of its own (not pooled) for LISTEN, which must outlive any one operation.</summary>
    internal ValueTask<NpgsqlConnection> OpenListenerConnectionAsync(CancellationToken cancellationToken) => _listenerSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _changes.Dispose();
        _listenerSource.Dispose();
        _source.Dispose();
    }

    private static string Describe(NpgsqlConnectionStringBuilder settings)
        => string.Create(CultureInfo.InvariantCulture, $"postgres://{settings.Username ?? Environment.UserName}@{settings.Host ?? "localhost"}:{settings.Port}/{settings.Database ?? settings.Username ?? Environment.UserName}");
}
