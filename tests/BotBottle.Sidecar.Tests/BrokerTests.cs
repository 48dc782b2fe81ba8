using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary><c>broker</c> on its own: the socket, the slug it fixes, shutdown, and a sidecar finding it.</summary>
public sealed class BrokerTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private static CommandResult ProposeVia(string socketPath, string slug = "bottle-a", params string[] extra) => ProposeVia(Proposer.Sidecar, socketPath, slug, extra);

    private static CommandResult ProposeVia(Proposer proposer, string socketPath, string slug = "bottle-a", params string[] extra)
        => proposer.Run(["propose", "--socket", socketPath, "--slug", slug, "--tool", "git-gate", "--justification", "j", .. extra]);

    [Fact]
    public async Task Socket_is_owner_only_and_removed_on_sigterm_with_exit_0()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(broker.SocketPath));
        Assert.StartsWith("dnotify (", (string)broker.Log.Single(static l => (string?)l["event"] == "listening")["waits"]!, StringComparison.Ordinal);
        Assert.Equal(0, broker.Terminate());
        Assert.False(File.Exists(broker.SocketPath));
    }

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public async Task Another_bottles_slug_is_refused_with_exit_8_and_nothing_written(string proposer)
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);

        CommandResult propose = ProposeVia(Proposer.Named(proposer), broker.SocketPath, "bottle-b");
        CommandResult serve = SidecarBinary.Run("serve", "--socket", broker.SocketPath, "--slug", "bottle-b", "--listen", "127.0.0.1:0");

        Assert.Equal(8, propose.ExitCode);
        Assert.Contains("This broker serves bottle 'bottle-a', not 'bottle-b'", propose.Error, StringComparison.Ordinal);
        Assert.Equal(8, serve.ExitCode);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public async Task Broker_cannot_see_or_archive_another_bottles_proposal(string proposer)
    {
        CommandResult other = _home.Host("propose", "--slug", "bottle-b", "--tool", "git-gate", "--justification", "b's");
        string otherId = other.Output.Trim();
        Assert.Equal(0, _home.Host("queue", "approve", otherId).ExitCode);
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);

        // propose --wait on a's own proposal works; b's approved proposal stays unconsumed.
        Task<CommandResult> waiting = Task.Run(() => ProposeVia(Proposer.Named(proposer), broker.SocketPath, "bottle-a", "--wait", "--timeout", "30"));
        string id = await _home.WaitForPendingAsync();
        Assert.Equal(0, _home.Host("queue", "approve", id).ExitCode);

        Assert.Equal(0, (await waiting).ExitCode);
        Assert.False((bool)_home.HostJson("queue", "show", otherId)["proposal"]!["archived"]!);
    }

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public async Task Sigterm_ends_a_pending_wait_with_an_error_naming_the_proposal_which_stays_queued(string proposer)
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        Task<CommandResult> waiting = Task.Run(() => ProposeVia(Proposer.Named(proposer), broker.SocketPath, "bottle-a", "--wait"));
        string id = await _home.WaitForPendingAsync();
        await Task.Delay(200);

        Assert.Equal(0, broker.Terminate());
        CommandResult result = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(7, result.ExitCode);
        Assert.Contains($"Proposal {id} stays queued", result.Error, StringComparison.Ordinal);
        Assert.Equal([id], _home.PendingIds());
    }

    [Fact]
    public async Task A_waiting_client_that_dies_ends_the_brokers_wait_and_the_proposal_stays()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        using System.Diagnostics.Process waiter = SidecarBinary.Start("propose", "--socket", broker.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j", "--wait");
        string id = await _home.WaitForPendingAsync();
        await Task.Delay(200);

        waiter.Kill();
        await waiter.WaitForExitAsync();

        Assert.True(await broker.WaitForLogAsync(static l => (string?)l["op"] == "consume" && (string?)l["outcome"] == "client_gone", TimeSpan.FromSeconds(10)), "no client_gone logged");
        Assert.Equal([id], _home.PendingIds());
    }

    [Fact]
    public async Task A_dead_brokers_socket_is_replaced_but_a_live_broker_or_a_regular_file_is_not()
    {
        string socketPath = Path.Combine(_home.Root, "broker.sock");
        using (BrokerProcess first = await BrokerProcess.StartAsync(_home, socketPath: socketPath))
        {
            CommandResult second = SidecarBinary.Run("--db", _home.DbPath, "broker", "--socket", socketPath, "--slug", "bottle-a");
            Assert.Equal(7, second.ExitCode);
            Assert.Contains("Another broker is already serving", second.Error, StringComparison.Ordinal);
            first.Process.Kill();
            await first.Process.WaitForExitAsync();
        }

        Assert.True(File.Exists(socketPath));
        using (BrokerProcess restarted = await BrokerProcess.StartAsync(_home, socketPath: socketPath))
        {
            Assert.Equal(0, ProposeVia(socketPath).ExitCode);
        }

        string notASocket = Path.Combine(_home.Root, "notes.txt");
        await File.WriteAllTextAsync(notASocket, "keep me");
        CommandResult refused = SidecarBinary.Run("--db", _home.DbPath, "broker", "--socket", notASocket, "--slug", "bottle-a");
        Assert.Equal(7, refused.ExitCode);
        Assert.Contains("is not a socket", refused.Error, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(notASocket));
    }

    [Fact]
    public void No_broker_at_the_socket_is_a_clear_error_with_exit_7()
    {
        CommandResult result = ProposeVia(Path.Combine(_home.Root, "missing.sock"));

        Assert.Equal(7, result.ExitCode);
        Assert.Contains("Cannot reach the bot-bottle broker", result.Error, StringComparison.Ordinal);
        Assert.Contains("bot-bottle-sidecar broker --socket PATH --slug bottle-a", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Socket_and_db_together_are_a_usage_error()
    {
        CommandResult result = SidecarBinary.Run("propose", "--db", _home.DbPath, "--socket", "/tmp/x.sock", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("give one", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Broker_refuses_an_invalid_slug_before_touching_anything()
    {
        string socketPath = Path.Combine(_home.Root, "b.sock");
        CommandResult result = SidecarBinary.Run("--db", _home.DbPath, "broker", "--socket", socketPath, "--slug", "Not A Slug");

        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(socketPath));
    }

    [Fact]
    public async Task In_a_vm_layout_serve_and_propose_find_the_socket_in_run_supervise_without_flags()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);

        // The VM's view: /run/supervise holds only the forwarded socket, no database at all.
        CommandResult sidecar = MountNamespace.Run(
            $"set -e; mount -t tmpfs tmpfs /run; mkdir /run/supervise; mount -t tmpfs tmpfs /run/supervise; touch /run/supervise/bot-bottle.sock; mount --bind '{broker.SocketPath}' /run/supervise/bot-bottle.sock; "
            + "\"$BIN\" propose --slug bottle-a --tool git-gate --justification 'from the vm' --json");

        Assert.True(sidecar.ExitCode == 0, sidecar.ToString());
        JsonNode output = JsonNode.Parse(sidecar.Output)!;
        Assert.Equal([(string)output["proposal_id"]!], _home.PendingIds());
        Assert.True(await broker.WaitForLogAsync(static l => (string?)l["op"] == "propose", TimeSpan.FromSeconds(10)), "no propose logged");
    }

    [Fact]
    public async Task Doctor_as_a_sidecar_checks_the_broker_answers_for_its_bottle()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);

        CommandResult ours = SidecarBinary.Run("doctor", "--sidecar", "--socket", broker.SocketPath, "--slug", "bottle-a");
        CommandResult other = SidecarBinary.Run("doctor", "--sidecar", "--socket", broker.SocketPath, "--slug", "bottle-b");
        CommandResult noSlug = SidecarBinary.Run("doctor", "--sidecar", "--socket", broker.SocketPath);

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Contains("answers for bottle bottle-a", ours.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("serves bottle 'bottle-a', not 'bottle-b'", other.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, noSlug.ExitCode);
        Assert.Contains("pass --slug", noSlug.Output, StringComparison.Ordinal);
    }
}
