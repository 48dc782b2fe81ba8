using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary><c>bottles</c> across processes: serve registers its bottle, the operator sees it running, stopped or stale.</summary>
public sealed class BottlesCommandTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private JsonNode Bottle(string slug)
    {
        JsonNode output = _home.HostJson("bottles");
        return output["bottles"]!.AsArray().Single(b => (string)b!["slug"]! == slug)!;
    }

    [Fact]
    public async Task A_served_bottle_is_running_with_its_pending_count_then_stopped_after_sigterm()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home, "bottle-a");
        CommandResult propose = SidecarBinary.Run(["propose", "--db", _home.DbPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "needs a route"]);
        Assert.True(propose.ExitCode == 0, propose.ToString());

        JsonNode running = Bottle("bottle-a");
        Assert.Equal("running", (string)running["state"]!);
        Assert.Equal("docker", (string)running["backend"]!);
        Assert.Equal(1, (long)running["pending"]!);
        Assert.NotNull(running["oldest_pending_at"]);
        Assert.StartsWith("1.", (string)running["sidecar_version"]!, StringComparison.Ordinal);

        serve.Terminate();
        Assert.True(serve.Process.WaitForExit(10_000));

        JsonNode stopped = Bottle("bottle-a");
        Assert.Equal("stopped", (string)stopped["state"]!);
        Assert.NotNull(stopped["stopped_at"]);
        Assert.Equal(1, (long)stopped["pending"]!);
    }

    [Fact]
    public async Task A_killed_sidecar_shows_as_stale_after_three_missed_heartbeats()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home, "bottle-a", "--heartbeat", "1");
        await Task.Delay(1500);
        Assert.Equal("running", (string)Bottle("bottle-a")["state"]!);

        serve.Process.Kill();
        Assert.True(serve.Process.WaitForExit(10_000));
        await Task.Delay(TimeSpan.FromSeconds(4.5));

        Assert.Equal("stale", (string)Bottle("bottle-a")["state"]!);
    }

    [Fact]
    public void Bottles_without_json_prints_a_table_and_says_so_when_there_are_none()
    {
        CommandResult empty = _home.Host("bottles");
        Assert.Equal(0, empty.ExitCode);
        Assert.Contains("No bottles yet", empty.Output, StringComparison.Ordinal);

        CommandResult propose = SidecarBinary.Run(["propose", "--db", _home.DbPath, "--slug", "only-proposes", "--tool", "git-gate", "--justification", "no serve here"]);
        Assert.True(propose.ExitCode == 0, propose.ToString());
        CommandResult table = _home.Host("bottles");

        Assert.Equal(0, table.ExitCode);
        string row = table.Output.Split('\n').Single(static l => l.StartsWith("only-proposes", StringComparison.Ordinal));
        Assert.Contains("unknown", row, StringComparison.Ordinal);
        Assert.Contains("unregistered", row, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_refuses_a_heartbeat_out_of_range()
    {
        CommandResult serve = SidecarBinary.Run(["serve", "--db", _home.DbPath, "--slug", "bottle-a", "--listen", "127.0.0.1:0", "--heartbeat", "0.5"]);

        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("--heartbeat", serve.Error, StringComparison.Ordinal);
    }
}
