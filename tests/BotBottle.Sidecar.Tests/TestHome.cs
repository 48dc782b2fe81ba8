using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using BotBottle.Storage.Database;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>A scratch directory with a database path and a current-config directory, removed afterwards.</summary>
public sealed class TestHome : IDisposable
{
    public TestHome()
    {
        Root = Directory.CreateTempSubdirectory("bb-sidecar-").FullName;
        DbPath = Path.Combine(Root, "db", "bot-bottle.db");
        CurrentConfig = Path.Combine(Root, "current-config");
        Directory.CreateDirectory(CurrentConfig);
    }

    public string Root { get; }

    public string DbPath { get; }

    public string CurrentConfig { get; }

    /// <summary>Creates and migrates the database the way the host does: with the binary.</summary>
    public TestHome Migrated()
    {
        CommandResult result = Host("db", "migrate");
        Assert.True(result.ExitCode == 0, result.ToString());
        return this;
    }

    /// <summary>Runs a host command against this database.</summary>
    public CommandResult Host(params string[] args) => SidecarBinary.Run(["--db", DbPath, .. args]);

    public JsonNode HostJson(params string[] args)
    {
        CommandResult result = Host([.. args, "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Output)!;
    }

    /// <summary>The ids of pending proposals, as the operator sees them.</summary>
    public string[] PendingIds() => HostJson("queue", "pending").AsArray().Select(static p => (string)p!["id"]!).ToArray();

    /// <summary>Waits until exactly one proposal is pending, as the operator sees it, and returns its id.</summary>
    public async System.Threading.Tasks.Task<string> WaitForPendingAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (PendingIds() is [string id])
            {
                return id;
            }

            await System.Threading.Tasks.Task.Delay(50);
        }

        throw new TimeoutException("no proposal became pending within 30 s");
    }

    public long Count(string table)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM " + table;
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
