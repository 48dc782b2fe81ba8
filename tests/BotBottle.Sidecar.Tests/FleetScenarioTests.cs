using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// Fleet mode end to end, on the published binaries: a PostgreSQL 15 cluster of the test's own,
/// three host brokers (bot-bottle-host, separate processes, each its own role, socket and bottle),
/// sidecars (bot-bottle-sidecar propose) waiting through them, and one operator in a fourth
/// process. The server is restarted while they wait and a broker is SIGKILLed mid-write: nothing
/// is lost and nothing is duplicated.
/// </summary>
[Collection("fleet")]
public sealed class FleetScenarioTests : IDisposable
{
    private const string Database = "fleet";

    private readonly string _root = Directory.CreateTempSubdirectory("bb-fleet-").FullName;
    private readonly string _cluster;
    // Fixed for the test's life (the server restarts on it) and below Linux's ephemeral ports
    // (32768 up), where any listener on port 0 may land: a CI run once found 41434 taken. build/test.sh's
    // own cluster keeps to 20000-29999.
    private readonly int _port = 30000 + Random.Shared.Next(2768);
    private readonly List<BrokerProcess> _brokers = [];

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public FleetScenarioTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        // The server runs as the postgres user, who must reach the cluster's directory.
        File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        _cluster = Path.Combine(_root, "cluster");
        Cluster("start", _cluster, _port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Sql("postgres", $"CREATE DATABASE {Database} ENCODING 'UTF8' TEMPLATE template0");
    }

    private string Url(string role) => $"postgres://{role}@127.0.0.1:{_port}/{Database}";

    [Fact]
    public async Task Three_brokers_one_operator_a_server_restart_and_a_killed_broker_lose_and_duplicate_nothing()
    {
        // The owner migrates; roles are made by whoever administers the server (README: Running a fleet).
        CommandResult migrate = SidecarBinary.RunExecutable(SidecarBinary.HostPath, null, "db", "migrate", "--db", Url("bb"));
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Sql(Database, "CREATE ROLE host_1 LOGIN IN ROLE bot_bottle_broker; CREATE ROLE host_2 LOGIN IN ROLE bot_bottle_broker; CREATE ROLE host_3 LOGIN IN ROLE bot_bottle_broker; CREATE ROLE ops LOGIN IN ROLE bot_bottle_operator;");

        // The caps are the fleet's, set once by an operator for every host: room for the burst below.
        foreach ((string cap, string value) in new[] { ("rate_burst", "100"), ("rate_per_hour", "100000") })
        {
            CommandResult set = RunOperator("limits", "set", cap, value);
            Assert.True(set.ExitCode == 0, set.ToString());
        }

        // A broker serves only what the operator granted it; nothing is granted yet.
        CommandResult ungranted = SidecarBinary.RunExecutable(SidecarBinary.HostPath, null, "broker", "--slug", "bottle-1", "--socket", Path.Combine(_root, "ungranted.sock"), "--db", Url("host_1"));
        Assert.True(ungranted.ExitCode == 8, ungranted.ToString());
        Assert.Contains("bot-bottle-host bottles grant bottle-1 --to host_1", ungranted.Error, StringComparison.Ordinal);

        for (int host = 1; host <= 3; host++)
        {
            CommandResult grant = RunOperator("bottles", "grant", $"bottle-{host}", "--to", $"host_{host}");
            Assert.True(grant.ExitCode == 0, grant.ToString());
            _brokers.Add(await StartBrokerAsync(host, host));
        }

        // Another host's broker cannot take over a bottle granted to another.
        CommandResult takeover = SidecarBinary.RunExecutable(SidecarBinary.HostPath, null, "broker", "--slug", "bottle-1", "--socket", Path.Combine(_root, "takeover.sock"), "--db", Url("host_2"));
        Assert.True(takeover.ExitCode == 8, takeover.ToString());
        Assert.Contains("bottles grant bottle-1 --to host_2", takeover.Error, StringComparison.Ordinal);
        JsonNode grants = Operator("bottles", "grants", "--json");
        Assert.Equal(["bottle-1:host_1", "bottle-2:host_2", "bottle-3:host_3"], grants.AsArray().Select(static g => $"{g!["slug"]}:{g["broker_role"]}"));
        JsonNode granted = Operator("audit", "list", "--json");
        Assert.Equal(["granted to host_1", "granted to host_2", "granted to host_3"], granted.AsArray().Where(static e => (string)e!["operator_action"]! == "granted").Select(static e => (string)e!["operator_notes"]!));

        // The operator watches the whole fleet's queue from the start, through the restart below.
        using Process watch = SidecarBinary.StartExecutable(SidecarBinary.HostPath, "queue", "watch", "--json", "--db", Url("ops"));
        watch.StandardInput.Close();
        var events = new System.Collections.Concurrent.ConcurrentQueue<JsonNode>();
        Task watching = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync() is { } line)
            {
                events.Enqueue(JsonNode.Parse(line)!);
            }
        });

        // Two sidecars per host wait through their broker.
        var waiting = new List<(Process Process, string Justification, int Host)>();
        for (int host = 1; host <= 3; host++)
        {
            for (int n = 0; n < 2; n++)
            {
                string justification = $"wait {host}.{n}";
                waiting.Add((StartPropose(host, justification, "--wait", "--timeout", "300"), justification, host));
            }
        }

        JsonArray pending = await PendingAsync(6);
        Assert.Equal(["bottle-1", "bottle-1", "bottle-2", "bottle-2", "bottle-3", "bottle-3"], pending.Select(static p => (string)p!["bottle_slug"]!).Order());
        JsonArray bottles = Operator("bottles", "--json")["bottles"]!.AsArray();
        Assert.Equal(["bottle-1", "bottle-2", "bottle-3"], bottles.Select(static b => (string)b!["slug"]!));
        Assert.All(bottles, static b => Assert.Equal(("running", 2L), ((string)b!["state"]!, (long)b["pending"]!)));

        // The server restarts while every sidecar waits.
        Cluster("stop", _cluster);
        Cluster("start", _cluster, _port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (JsonNode? proposal in pending)
        {
            CommandResult approved = RunOperator("queue", "approve", (string)proposal!["id"]!, "--notes", "ok " + (string)proposal["justification"]!);
            Assert.True(approved.ExitCode == 0, approved.ToString());
        }

        foreach ((Process process, string justification, int host) in waiting)
        {
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60 * SidecarBinary.Patience)), $"propose --wait ({justification}) did not return after the restart");
            string output = await process.StandardOutput.ReadToEndAsync();
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {output} {await process.StandardError.ReadToEndAsync()}");
            JsonNode decision = JsonNode.Parse(output)!;
            Assert.Equal(("approved", "ok " + justification), ((string)decision["status"]!, (string)decision["notes"]!));
            process.Dispose();
        }

        // The watch lived through the restart and saw every decision consumed.
        var watched = Stopwatch.StartNew();
        while (events.Count(static e => (string)e["event"]! == "archived") < 6 && watched.Elapsed < TimeSpan.FromSeconds(30 * SidecarBinary.Patience))
        {
            await Task.Delay(50);
        }

        if (watch.HasExited)
        {
            Assert.Fail($"queue watch ended (exit {watch.ExitCode}) when the server restarted: {await watch.StandardError.ReadToEndAsync()}");
        }

        Assert.Equal(pending.Select(static p => (string)p!["id"]!).Order(), events.Where(static e => (string)e["event"]! == "archived").Select(static e => (string)e["id"]!).Order());
        using (Process term = Process.Start("kill", ["-TERM", watch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await term.WaitForExitAsync();
        }

        Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(10 * SidecarBinary.Patience)));
        Assert.Equal(0, watch.ExitCode);
        await watching;

        // A burst of proposals through broker 1, which is SIGKILLed mid-write: the test holds the
        // proposals table, so the broker's first write transaction (its rate bucket already
        // updated) waits on the insert, and the others wait behind it, when the kill comes.
        // Half of them landed earlier, so the retries below must join those and create the rest.
        string[] burst = Enumerable.Range(0, 12).Select(static i => "burst " + i).ToArray();
        foreach (string early in burst[..6])
        {
            using Process landed = StartPropose(1, early);
            Assert.True(landed.WaitForExit(TimeSpan.FromSeconds(60 * SidecarBinary.Patience)) && landed.ExitCode == 0, $"{early}: {await landed.StandardError.ReadToEndAsync()}");
        }

        var failed = new List<string>();
        using (var holder = new NpgsqlConnection($"Host=127.0.0.1;Port={_port};Username=bb;Database={Database};Pooling=false"))
        {
            holder.Open();
            using NpgsqlTransaction hold = holder.BeginTransaction();
            using (var lockTable = new NpgsqlCommand("LOCK TABLE supervise_proposals IN EXCLUSIVE MODE", holder, hold))
            {
                lockTable.ExecuteNonQuery();
            }

            Process[] sending = burst.Select(j => StartPropose(1, j)).ToArray();
            var blocked = Stopwatch.StartNew();
            while (Scalar<long>("SELECT count(*) FROM pg_stat_activity WHERE usename = 'host_1' AND wait_event_type = 'Lock'") == 0)
            {
                Assert.True(blocked.Elapsed < TimeSpan.FromSeconds(30 * SidecarBinary.Patience), "the broker's write never reached the held table");
                await Task.Delay(10);
            }

            await Task.Delay(200 * SidecarBinary.Patience);
            _brokers[0].Process.Kill();
            await _brokers[0].Process.WaitForExitAsync();
            for (int i = 0; i < sending.Length; i++)
            {
                Assert.True(sending[i].WaitForExit(TimeSpan.FromSeconds(60 * SidecarBinary.Patience)));
                if (sending[i].ExitCode != 0)
                {
                    failed.Add(burst[i]);
                }

                sending[i].Dispose();
            }

            hold.Rollback();
        }

        // The killed transaction left nothing: no proposal, and the rate bucket as it was.
        Assert.NotEmpty(failed);
        Assert.Equal(6L, Scalar<long>("SELECT count(*) FROM supervise_proposals WHERE justification LIKE 'burst %'"));
        _output.WriteLine($"SIGKILL left {failed.Count} of {burst.Length} proposals unacknowledged: {string.Join(", ", failed)}");

        // The host restarts its broker; the sidecars whose call failed retry, and join what had landed.
        _brokers[0].Dispose();
        _brokers[0] = await StartBrokerAsync(1, 1);
        foreach (string justification in failed)
        {
            using Process retry = StartPropose(1, justification);
            Assert.True(retry.WaitForExit(TimeSpan.FromSeconds(60 * SidecarBinary.Patience)));
            Assert.True(retry.ExitCode == 0, $"retry of {justification}: exit {retry.ExitCode} {await retry.StandardError.ReadToEndAsync()}");
        }

        JsonArray afterKill = Operator("queue", "pending", "--json", "--slug", "bottle-1").AsArray();
        Assert.Equal(burst.Order(), afterKill.Select(static p => (string)p!["justification"]!).Order());
        Assert.Equal(18L + 0, Scalar<long>("SELECT count(*) FROM supervise_proposals"));
        Assert.Equal(6L, Scalar<long>("SELECT count(*) FROM supervise_audit_entries WHERE operator_action <> 'granted'"));
        CommandResult verify = RunOperator("audit", "verify");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Empty(Operator("queue", "pending", "--json", "--slug", "bottle-2").AsArray());

        // Revoked, host 3's running broker can queue nothing more for bottle-3, and the log says who revoked what.
        JsonNode revoked = Operator("bottles", "revoke", "bottle-3", "--json");
        Assert.Equal(("revoked", "revoked from host_3", "fleet"), ((string)revoked["operator_action"]!, (string)revoked["operator_notes"]!, (string)revoked["component"]!));
        using (Process after = StartPropose(3, "after the revocation"))
        {
            Assert.True(after.WaitForExit(TimeSpan.FromSeconds(60 * SidecarBinary.Patience)));
            string error = await after.StandardError.ReadToEndAsync();
            Assert.True(after.ExitCode == 8, $"exit {after.ExitCode}: {error}");
            Assert.Contains("bottles grant bottle-3 --to host_3", error, StringComparison.Ordinal);
        }

        Assert.Equal("revoked from host_3", (string)Operator("audit", "list", "--json").AsArray().Last()!["operator_notes"]!);
        Assert.Equal(0, RunOperator("audit", "verify").ExitCode);
    }

    public void Dispose()
    {
        foreach (BrokerProcess broker in _brokers)
        {
            broker.Dispose();
        }

        NpgsqlConnection.ClearAllPools();
        Cluster("stop", _cluster);
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task The_dashboard_on_the_fleet_database_shows_every_hosts_queue_and_answers_as_the_operator()
    {
        CommandResult migrate = SidecarBinary.RunExecutable(SidecarBinary.HostPath, null, "db", "migrate", "--db", Url("bb"));
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Sql(Database, "CREATE ROLE host_1 LOGIN IN ROLE bot_bottle_broker; CREATE ROLE host_2 LOGIN IN ROLE bot_bottle_broker; CREATE ROLE ops LOGIN IN ROLE bot_bottle_operator;");
        var waiting = new List<Process>();
        for (int host = 1; host <= 2; host++)
        {
            Assert.Equal(0, RunOperator("bottles", "grant", $"bottle-{host}", "--to", $"host_{host}").ExitCode);
            _brokers.Add(await StartBrokerAsync(host, host));
            waiting.Add(StartPropose(host, $"from host {host}", "--wait", "--timeout", "300"));
        }

        using DashboardProcess dashboard = await DashboardProcess.StartAsync(Url("ops"));
        (HttpClient client, string cookie, string csrf) = await dashboard.SignInAsync();
        using (client)
        {
            JsonNode[] pending = await dashboard.PendingAsync(client, cookie, 2);
            Assert.Equal(["bottle-1", "bottle-2"], pending.Select(static p => (string)p["slug"]!).Order());
            string first = (string)pending.Single(static p => (string?)p["slug"] == "bottle-1")["id"]!;
            using HttpResponseMessage decided = await dashboard.DecideAsync(client, cookie, csrf, first, """{"action":"approve","notes":"from the dashboard"}""");
            Assert.Equal(System.Net.HttpStatusCode.OK, decided.StatusCode);
        }

        // The sidecar on host 1 gets the answer through its broker; host 2's still waits.
        Assert.True(waiting[0].WaitForExit(TimeSpan.FromSeconds(60 * SidecarBinary.Patience)), "host 1's propose --wait did not end");
        Assert.Equal(0, waiting[0].ExitCode);
        Assert.Contains("approved", await waiting[0].StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
        Assert.False(waiting[1].HasExited);
        JsonNode entry = Operator("audit", "list", "--json").AsArray().Single(static e => (string?)e!["operator_action"] == "approved")!;
        Assert.Equal(("bottle-1", "from the dashboard"), ((string?)entry["bottle_slug"], (string?)entry["operator_notes"]));
        waiting[1].Kill();
    }

    private Task<BrokerProcess> StartBrokerAsync(int host, int bottle)
    {
        string socket = Path.Combine(_root, $"host-{host}.sock");
        return BrokerProcess.StartExecutableAsync(SidecarBinary.HostPath, socket, ["--slug", $"bottle-{bottle}", "--socket", socket, "--db", Url($"host_{host}")]);
    }

    private Process StartPropose(int host, string justification, params string[] extra)
    {
        string file = Path.Combine(_root, "proposed.txt");
        File.WriteAllText(file, "allow: example.org\n");
        return SidecarBinary.Start(["propose", "--broker", "unix:" + Path.Combine(_root, $"host-{host}.sock"), "--slug", $"bottle-{host}", "--tool", "git-gate", "--justification", justification, "--file", file, .. extra]);
    }

    private async Task<JsonArray> PendingAsync(int count)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            JsonArray pending = Operator("queue", "pending", "--json").AsArray();
            if (pending.Count >= count || deadline.Elapsed > TimeSpan.FromSeconds(60 * SidecarBinary.Patience))
            {
                Assert.Equal(count, pending.Count);
                return pending;
            }

            await Task.Delay(100);
        }
    }

    private CommandResult RunOperator(params string[] args) => SidecarBinary.RunExecutable(SidecarBinary.HostPath, null, [.. args, "--db", Url("ops")]);

    private JsonNode Operator(params string[] args)
    {
        CommandResult result = RunOperator(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Output)!;
    }

    private T Scalar<T>(string sql)
    {
        using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={_port};Username=bb;Database={Database};Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (T)command.ExecuteScalar()!;
    }

    private void Sql(string database, string sql)
    {
        using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={_port};Username=bb;Database={database};Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static void Cluster(params string[] args)
    {
        using Process script = Process.Start(new ProcessStartInfo("bash", [Path.Combine(SidecarBinary.RepoRoot, "build", "postgres.sh"), .. args]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string error = script.StandardError.ReadToEnd();
        script.StandardOutput.ReadToEnd();
        script.WaitForExit();
        Assert.True(script.ExitCode == 0, $"build/postgres.sh {string.Join(' ', args)}: {error}");
    }
}

/// <summary>How host commands find (or refuse) a fleet database, on the published binaries.</summary>
public sealed class FleetConfigTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("bb-fleet-home-").FullName;

    private string ConfigPath => Path.Combine(_home, ".bot-bottle", "fleet.conf");

    [Fact]
    public void The_sidecar_executable_refuses_a_postgres_database_naming_bot_bottle_host()
    {
        CommandResult refused = SidecarBinary.Run("queue", "pending", "--db", "postgres://ops@127.0.0.1:1/fleet");

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("bot-bottle-host", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fleet_config_others_can_read_is_refused_before_any_connection()
    {
        WriteConfig("postgres://ops:secret@127.0.0.1:1/fleet\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        CommandResult refused = AsHostUser("queue", "pending");

        Assert.True(refused.ExitCode == 8, refused.ToString());
        Assert.Contains("chmod 600 " + ConfigPath, refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fleet_config_without_a_url_is_refused_and_one_with_a_url_is_used()
    {
        WriteConfig("# the team's database\nsqlite-file.db\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        CommandResult refused = AsHostUser("bottles");
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("postgres:// URL", refused.Error, StringComparison.Ordinal);

        // Nothing listens on port 1: the error proves the command went to the configured server, not to SQLite.
        WriteConfig("# the team's database\npostgres://ops@127.0.0.1:1/fleet\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        CommandResult unreachable = AsHostUser("bottles");
        Assert.True(unreachable.ExitCode == 7, unreachable.ToString());
        Assert.Contains("postgres://ops@127.0.0.1:1/fleet", unreachable.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_home, ".bot-bottle", "db")), "a fleet host must not create the SQLite database");

        // The sidecar executable, on the same host, says where to turn instead of opening SQLite.
        CommandResult sidecar = SidecarBinary.RunExecutable("/usr/bin/env", null, "HOME=" + _home, SidecarBinary.Path, "bottles");
        Assert.True(sidecar.ExitCode == 2, sidecar.ToString());
        Assert.Contains("bot-bottle-host", sidecar.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private CommandResult AsHostUser(params string[] args) => SidecarBinary.RunExecutable("/usr/bin/env", null, ["HOME=" + _home, SidecarBinary.HostPath, .. args]);

    private void WriteConfig(string text, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, text);
        File.SetUnixFileMode(ConfigPath, mode);
    }
}
