using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// One bad row never hides the others: rows planted with plain SQL by the most privileged writer
/// that can reach them (the file's owner with sqlite3; the database's owner on PostgreSQL), with a
/// timestamp in PostgreSQL's own text format (<c>now()::text</c>) and one that is no time at all.
/// Every reader of the published binary lists the rest and names the bad row with why.
/// </summary>
public sealed class UnreadableRowTests : IDisposable
{
    private const string Good = "2026-12-06T08:00:00.0000000Z";
    private const string PostgresText = "2026-12-06 08:25:36.865849+00";

    private readonly TestHome _home = new TestHome().Migrated();
    private string? _database;

    public static TheoryData<string> Engines => new() { "sqlite", "postgres" };

    public void Dispose()
    {
        _home.Dispose();
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            Postgres("postgres", $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task Every_reader_lists_the_rest_and_names_the_bad_row(string engine)
    {
        string db = Plant(engine);

        CommandResult pending = Host(db, "queue", "pending");
        Assert.True(pending.ExitCode == 0, pending.ToString());
        Assert.Contains("good-1", pending.Output, StringComparison.Ordinal);
        Assert.Contains("good-2", pending.Output, StringComparison.Ordinal);
        Assert.Contains("unreadable id bad-1:", pending.Output, StringComparison.Ordinal);
        Assert.Contains(PostgresText, pending.Output, StringComparison.Ordinal);

        JsonArray pendingJson = Json(db, "queue", "pending", "--json").AsArray();
        Assert.Equal(["good-1", "good-2"], pendingJson.Where(static p => p!["unreadable"] is null).Select(static p => (string)p!["id"]!));
        JsonNode bad = Assert.Single(pendingJson, static p => p!["unreadable"] is not null)!;
        Assert.Equal("bad-1", (string)bad["id"]!);

        Assert.Equal(0, Host(db, "queue", "show", "good-2").ExitCode);
        CommandResult showBad = Host(db, "queue", "show", "bad-1");
        Assert.NotEqual(0, showBad.ExitCode);
        Assert.Contains("Proposal bad-1 cannot be read", showBad.Error, StringComparison.Ordinal);

        CommandResult bottles = Host(db, "bottles");
        Assert.True(bottles.ExitCode == 0, bottles.ToString());
        Assert.Contains("bottle-a", bottles.Output, StringComparison.Ordinal);
        Assert.Contains("unreadable slug bottle-z:", bottles.Output, StringComparison.Ordinal);
        JsonNode bottlesJson = Json(db, "bottles", "--json");
        Assert.Contains("bottle-a", bottlesJson["bottles"]!.AsArray().Select(static b => (string)b!["slug"]!));
        // bottle-b never registered and its oldest pending proposal is the bad one: its row is unreadable too.
        Assert.Equal(["bottle-b", "bottle-z"], bottlesJson["unreadable"]!.AsArray().Select(static b => (string)b!["key"]!).Order());

        CommandResult audit = Host(db, "audit", "list");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.Contains("first decision", audit.Output, StringComparison.Ordinal);
        Assert.Contains("unreadable id 2:", audit.Output, StringComparison.Ordinal);
        JsonArray auditJson = Json(db, "audit", "list", "--json").AsArray();
        Assert.Equal("first decision", (string)auditJson[0]!["operator_notes"]!);
        Assert.Equal("2", (string)auditJson[1]!["id"]!);

        // queue watch reports it once, beside the pending ones, and keeps watching.
        using Process watch = SidecarBinary.StartExecutable(Binary(engine), "queue", "watch", "--json", "--db", db);
        watch.StandardInput.Close();
        var events = new System.Collections.Generic.List<JsonNode>();
        while (events.Count < 3 && await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30 * SidecarBinary.Patience)) is { } line)
        {
            events.Add(JsonNode.Parse(line)!);
        }

        Assert.False(watch.HasExited, "queue watch ended on an unreadable row");
        watch.Kill();
        Assert.Equal(["pending good-1", "pending good-2", "unreadable bad-1"], events.Select(static e => $"{e["event"]} {e["id"]}"));
        Assert.Contains("timestamp", (string)events[2]["reason"]!, StringComparison.Ordinal);

        // The decision on a good proposal still goes through, and the log says where it breaks.
        Assert.Equal(0, Host(db, "queue", "approve", "good-1").ExitCode);
        CommandResult verify = Host(db, "audit", "verify");
        Assert.Contains("entry 2 cannot be read", verify.Output + verify.Error, StringComparison.Ordinal);
    }

    private string Plant(string engine)
    {
        string proposals = $"""
            INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, archived)
            VALUES ('good-1', 'bottle-a', 'git-gate', 'f', 'first', '{Good}', 0),
                   ('bad-1', 'bottle-b', 'git-gate', 'f', 'planted', '{PostgresText}', 0),
                   ('good-2', 'bottle-c', 'git-gate', 'f', 'second', '2026-12-06T09:00:00.0000000Z', 0);
            INSERT INTO bottles (slug, backend, state, started_at, last_seen, sidecar_version, heartbeat_seconds)
            VALUES ('bottle-a', 'docker', 'running', '{Good}', '{Good}', '1.0.0', 10),
                   ('bottle-z', 'docker', 'running', '{Good}', 'not a time', '1.0.0', 10);
            """;
        if (engine == "sqlite")
        {
            using var connection = new SqliteConnection($"Data Source={_home.DbPath}");
            connection.Open();

            // The host's own answer to the triggers' question "which bottle may this connection write?": any.
            connection.CreateFunction("bb_writer_bottle", static () => (string?)null);
            using var command = new SqliteCommand(proposals + $"""
                INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff)
                VALUES ('{Good}', 'bottle-a', 'git-gate', 'approved', 'first decision', '', ''),
                       ('{PostgresText}', 'bottle-b', 'git-gate', 'approved', 'planted', '', '');
                """, connection);
            command.ExecuteNonQuery();
            SqliteConnection.ClearAllPools();
            return _home.DbPath;
        }

        _database = "bb_unreadable_" + Guid.NewGuid().ToString("N")[..10];
        Postgres("postgres", $"CREATE DATABASE {_database} ENCODING 'UTF8' TEMPLATE template0");
        string url = $"postgres://{Server.Username}@{Server.Host}:{Server.Port}/{_database}";
        CommandResult migrate = SidecarBinary.RunExecutable(Binary(engine), null, "db", "migrate", "--db", url);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Postgres(_database, proposals + $"""
            SELECT bb_audit_append('{Good}', 'bottle-a', 'git-gate', 'approved', 'first decision', '', '');
            SELECT bb_audit_append('{PostgresText}', 'bottle-b', 'git-gate', 'approved', 'planted', '', '');
            """);
        return url;
    }

    private static string Binary(string engine) => engine == "sqlite"
        ? SidecarBinary.Path
        : SidecarBinary.HostPath;

    private static CommandResult Host(string db, params string[] args)
        => SidecarBinary.RunExecutable(FleetConnection(db) ? Binary("postgres") : SidecarBinary.Path, null, [.. args, "--db", db]);

    private static JsonNode Json(string db, params string[] args)
    {
        CommandResult result = Host(db, args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Output)!;
    }

    private static bool FleetConnection(string db) => db.StartsWith("postgres://", StringComparison.Ordinal);

    private static NpgsqlConnectionStringBuilder Server => new(Environment.GetEnvironmentVariable("BOTBOTTLE_TEST_POSTGRES") is { Length: > 0 } given
        ? given
        : throw new InvalidOperationException("BOTBOTTLE_TEST_POSTGRES names the PostgreSQL cluster for these tests; build/test.sh starts one and sets it."));

    private static void Postgres(string database, string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = database, Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
