using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading;
using Npgsql;
using Xunit;
using static BotBottle.Native.Tests.LibBotBottle<BotBottle.Native.Tests.FleetLibrary>;

namespace BotBottle.Native.Tests;

/// <summary>
/// libbotbottle-fleet: bb_open takes a postgres:// URL, and two handles (two operators' host
/// processes) share one queue on the cluster build/test.sh starts (BOTBOTTLE_TEST_POSTGRES),
/// migrated by its owner with the published bot-bottle-host. libbotbottle, SQLite only, refuses it.
/// </summary>
public sealed unsafe class CAbiFleetTests : IDisposable
{
    private readonly NpgsqlConnectionStringBuilder _server = new(Environment.GetEnvironmentVariable("BOTBOTTLE_TEST_POSTGRES") is { Length: > 0 } given
        ? given
        : throw new InvalidOperationException("BOTBOTTLE_TEST_POSTGRES names the PostgreSQL cluster for these tests; build/test.sh starts one and sets it."));

    private readonly string _database = "bb_abi_" + Guid.NewGuid().ToString("N")[..12];

    public CAbiFleetTests()
    {
        Execute("postgres", $"CREATE DATABASE {_database} ENCODING 'UTF8' TEMPLATE template0");
        using Process migrate = Process.Start(new ProcessStartInfo(Path.Combine(Dist, "bot-bottle-host"), ["db", "migrate", "--db", Url]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string error = migrate.StandardError.ReadToEnd();
        migrate.StandardOutput.ReadToEnd();
        migrate.WaitForExit();
        Assert.True(migrate.ExitCode == 0, error);
    }

    private string Url => $"postgres://{_server.Username}@{_server.Host}:{_server.Port}/{_database}";

    [Fact]
    public void Two_handles_on_a_postgres_url_share_one_queue_and_a_wait_wakes_on_the_others_answer()
    {
        (int code, nint first) = OpenAt(Url);
        Assert.True(code == Ok, TakeLastErrorOn(code));
        (code, nint second) = OpenAt(Url);
        Assert.Equal(Ok, code);
        try
        {
            (code, string? json) = CallJson(WriteProposal, first, """{"bottle_slug":"fleet-a","tool":"git-gate","proposed_file":"x\n","justification":"from the fleet"}""");
            Assert.Equal(Ok, code);
            string id = (string)JsonNode.Parse(json!)!["id"]!;
            (code, json) = CallJson(ListPending, second, null);
            Assert.Equal(Ok, code);
            Assert.Equal(id, (string)JsonNode.Parse(json!)!.AsArray()[0]!["id"]!);

            (int Code, string? Json) result = default;
            var waiter = new Thread(() => result = Wait(first, id, 30_000));
            waiter.Start();
            Thread.Sleep(300);
            byte* response = Utf8($$"""{"proposal_id":"{{id}}","status":"approved","notes":"ok"}""");
            Assert.Equal(Ok, WriteResponse(second, response));
            Release(response);

            Assert.True(waiter.Join(TimeSpan.FromSeconds(30)));
            Assert.Equal(Ok, result.Code);
            Assert.Equal("approved", (string)JsonNode.Parse(result.Json!)!["status"]!);
        }
        finally
        {
            Assert.Equal(Ok, Close(first));
            Assert.Equal(Ok, Close(second));
        }
    }

    [Fact]
    public void An_unmigrated_postgres_database_is_refused_naming_the_fix()
    {
        Execute("postgres", $"CREATE DATABASE {_database}_empty");
        try
        {
            (int code, _) = OpenAt(Url + "_empty");
            Assert.Equal(12, code);
            Assert.Contains("db migrate", TakeLastErrorOn(code), StringComparison.Ordinal);
        }
        finally
        {
            Execute("postgres", $"DROP DATABASE {_database}_empty WITH (FORCE)");
        }
    }

    [Fact]
    public void Libbotbottle_refuses_a_postgres_url_naming_libbotbottle_fleet()
    {
        (int code, nint handle) = LibBotBottle<SqliteLibrary>.OpenAt(Url);
        string message = LibBotBottle<SqliteLibrary>.TakeLastErrorOn(code);

        Assert.Equal((InvalidArgument, (nint)0), (code, handle));
        Assert.Contains("libbotbottle-fleet", message, StringComparison.Ordinal);
    }

    public void Dispose() => Execute("postgres", $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");

    private void Execute(string database, string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Database = database, Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
