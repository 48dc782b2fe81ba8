using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using BotBottle.Storage.Database;
using Npgsql;

namespace BotBottle.Storage.Tests;

/// <summary>
/// The PostgreSQL cluster the fleet tests use: the one build/test.sh started (its superuser
/// connection in BOTBOTTLE_TEST_POSTGRES), or, when a developer runs dotnet test directly, one this
/// process starts with build/postgres.sh and stops when it exits. Never a skip: a machine without
/// PostgreSQL fails these tests with the install command.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<string> Superuser = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    /// <summary>The cluster's superuser connection (database "postgres").</summary>
    public static string SuperuserConnection => Superuser.Value;

    /// <summary>A superuser connection string to <paramref name="database"/>.</summary>
    public static string ConnectionTo(string database, string? username = null)
        => new NpgsqlConnectionStringBuilder(SuperuserConnection) { Database = database, Username = username ?? "bb", Pooling = false }.ConnectionString;

    /// <summary>A fresh, empty database; dropped when the result is disposed.</summary>
    public static TempPostgresDatabase CreateDatabase()
    {
        string name = $"bb_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}";
        Execute(SuperuserConnection, $"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0");
        return new TempPostgresDatabase(name);
    }

    /// <summary>Runs one or more statements on a fresh, unpooled connection.</summary>
    public static void Execute(string connection, string sql)
    {
        using var open = new NpgsqlConnection(connection);
        open.Open();
        using var command = new NpgsqlCommand(sql, open);
        command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row.</summary>
    public static object? Scalar(string connection, string sql)
    {
        using var open = new NpgsqlConnection(connection);
        open.Open();
        using var command = new NpgsqlCommand(sql, open);
        return command.ExecuteScalar();
    }

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("BOTBOTTLE_TEST_POSTGRES") is { Length: > 0 } given)
        {
            return given;
        }

        string script = Path.Combine(RepoRoot(), "build", "postgres.sh");
        string directory = Path.Combine(Path.GetTempPath(), "bb-test-postgres-" + Environment.ProcessId);
        int port = 20000 + (Environment.ProcessId % 20000);
        string connection = Run(script, $"start {directory} {port}").Trim();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Run(script, $"stop {directory}");
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return connection;
    }

    private static string Run(string script, string arguments)
    {
        var start = new ProcessStartInfo("bash", $"{script} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"build/postgres.sh {arguments} failed ({process.ExitCode}): {error} (build/test.sh installs PostgreSQL 15 as root; or apt-get install postgresql-15)");
        }

        return output;
    }

    private static string RepoRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "BotBottle.Sidecar.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("BotBottle.Sidecar.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One test's PostgreSQL database, dropped (connections and all) on dispose.</summary>
public sealed class TempPostgresDatabase : IDisposable
{
    internal TempPostgresDatabase(string name) => Name = name;

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>The superuser's connection string (the database owner: it migrates).</summary>
    public string OwnerConnection => PostgresServer.ConnectionTo(Name);

    /// <summary>Opens it through the product's choke point as its owner, migrated, or (false) as it is.</summary>
    public PostgresDatabase OpenOwner(bool migrate = true) => migrate ? PostgresDatabase.Open(OwnerConnection, migrate: true) : PostgresDatabase.Connect(OwnerConnection);

    /// <summary>A superuser connection string logging in as <paramref name="role"/> instead.</summary>
    public string ConnectionAs(string role) => PostgresServer.ConnectionTo(Name, role);

    /// <inheritdoc />
    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        PostgresServer.Execute(PostgresServer.SuperuserConnection, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}
