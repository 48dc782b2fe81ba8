using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary><c>queue watch</c> as a dashboard runs it: another process's changes arrive as JSON lines, at once.</summary>
public sealed class QueueWatchTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private Process StartWatch()
    {
        Process watch = SidecarBinary.Start(["--db", _home.DbPath, "queue", "watch", "--json"]);
        watch.StandardInput.Close();
        return watch;
    }

    private static void Stop(Process watch)
    {
        if (!watch.HasExited)
        {
            watch.Kill();
            watch.WaitForExit();
        }
    }

    private static async Task<JsonNode> NextEventAsync(Process watch, TimeSpan timeout)
    {
        string? line = await watch.StandardOutput.ReadLineAsync().WaitAsync(timeout);
        if (line is null)
        {
            Assert.Fail("queue watch ended: " + await watch.StandardError.ReadToEndAsync());
        }

        return JsonNode.Parse(line)!;
    }

    private CommandResult Propose(string justification, params string[] extra) =>
        SidecarBinary.Run(["propose", "--db", _home.DbPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", justification, .. extra]);

    private static void Interrupt(Process process)
    {
        using Process kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    [Fact]
    public async Task Watch_lists_what_waits_then_reports_each_change_from_other_processes_at_once_and_ends_on_ctrl_c_with_0()
    {
        Assert.Equal(0, Propose("already waiting").ExitCode);
        using Process watch = StartWatch();
        try
        {
            JsonNode first = await NextEventAsync(watch, TimeSpan.FromSeconds(30));
            Assert.Equal(("pending", "bottle-a", "git-gate"), ((string)first["event"]!, (string)first["slug"]!, (string)first["tool"]!));

            // Give the watcher time to block on its notification, as it is while nobody does anything.
            await Task.Delay(500);
            CommandResult proposed = Propose("new one");
            Assert.True(proposed.ExitCode == 0, proposed.ToString());
            var clock = Stopwatch.StartNew();
            JsonNode arrived = await NextEventAsync(watch, TimeSpan.FromSeconds(10));
            TimeSpan latency = clock.Elapsed;
            string id = proposed.Output.Trim();
            Assert.Equal(("proposed", id), ((string)arrived["event"]!, (string)arrived["id"]!));

            // Under emulation every first run of code is translated first: the bound scales with Patience.
            Assert.True(latency < TimeSpan.FromMilliseconds(200 * SidecarBinary.Patience), $"the proposal reached the watch {latency.TotalMilliseconds:0} ms after propose exited");

            Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "ok").ExitCode);
            JsonNode answered = await NextEventAsync(watch, TimeSpan.FromSeconds(10));
            Assert.Equal(("answered", id, "approved"), ((string)answered["event"]!, (string)answered["id"]!, (string)answered["status"]!));

            // The sidecar consumes the answer: the same proposal again joins it and archives it.
            CommandResult consumed = Propose("new one", "--wait");
            Assert.True(consumed.ExitCode == 0, consumed.ToString());
            JsonNode archived = await NextEventAsync(watch, TimeSpan.FromSeconds(10));
            Assert.Equal(("archived", id), ((string)archived["event"]!, (string)archived["id"]!));

            Interrupt(watch);
            Assert.True(watch.WaitForExit(10_000), "queue watch did not end on SIGINT");
            Assert.Equal(0, watch.ExitCode);
        }
        finally
        {
            Stop(watch);
        }
    }

    [Fact]
    public async Task Watch_says_so_and_exits_7_when_the_database_directory_goes_away()
    {
        using Process watch = StartWatch();
        try
        {
            await Task.Delay(1000);

            Directory.Delete(Path.GetDirectoryName(_home.DbPath)!, recursive: true);

            Assert.True(watch.WaitForExit(15_000), "queue watch kept running without its database");
            Assert.Equal(7, watch.ExitCode);
            Assert.Contains(_home.DbPath, await watch.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
        }
        finally
        {
            Stop(watch);
        }
    }
}
