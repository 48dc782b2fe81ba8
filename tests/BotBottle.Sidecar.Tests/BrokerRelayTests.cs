using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// Waits across the relays VM runtimes put between a sidecar and the host broker: a relay that
/// half-closes once the request is through must not end the wait, and a sidecar that leaves
/// behind a relay must still free the broker's wait.
/// </summary>
public sealed class BrokerRelayTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Propose_wait_through_a_half_closing_relay_to_the_tcp_broker_is_answered_by_the_operator()
    {
        string tokenFile = Path.Combine(_home.Root, "broker.token");
        using BrokerProcess broker = await BrokerProcess.StartTcpAsync(_home, tokenFile);
        using RelayProcess relay = await RelayProcess.StartAsync(_home, broker.TcpAddress!, framesPerRequest: 2);

        Task<CommandResult> waiting = Task.Run(() => SidecarBinary.Run(
            "propose", "--broker", "unix:" + relay.SocketPath, "--broker-token-file", tokenFile,
            "--slug", "bottle-a", "--tool", "git-gate", "--justification", "behind a relay", "--wait", "--json"));
        string id = await _home.WaitForPendingAsync();

        // Long enough for the broker's probes of the half-closed connection to cross the relay, in pieces.
        await Task.Delay(1500);
        if (waiting.IsCompleted)
        {
            Assert.Fail("the wait ended before the operator answered: " + (await waiting).Error);
        }

        Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "through the relay").ExitCode);

        CommandResult answered = await waiting.WaitAsync(TimeSpan.FromSeconds(30 * SidecarBinary.Patience));
        Assert.True(answered.ExitCode == 0, answered.Error);
        Assert.Equal("approved", (string)JsonNode.Parse(answered.Output)!["status"]!);
        Assert.True(await broker.WaitForLogAsync(static l => (string?)l["op"] == "consume" && (string?)l["outcome"] == "ok", TimeSpan.FromSeconds(10)), "no consume logged");

        // One upstream connection per request: hello, propose and consume each had their own.
        await WaitUntilAsync(() => relay.Log.Length >= 3 && broker.Log.Count(static l => (string?)l["event"] == "request") >= 3);
        Assert.Equal(broker.Log.Count(static l => (string?)l["event"] == "request"), relay.Log.Length);
        Assert.Empty(_home.PendingIds());
    }

    [Fact]
    public async Task A_sidecar_that_leaves_behind_a_half_closing_relay_ends_the_brokers_wait_and_the_proposal_stays()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        using RelayProcess relay = await RelayProcess.StartAsync(_home, "unix:" + broker.SocketPath, framesPerRequest: 1);
        string id = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j").Output.Trim();

        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(relay.SocketPath));
            await socket.SendAsync(BrokerWire.Frame($$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{id}}","timeout_ms":-1,"heartbeat_ms":200}"""));

            // Heartbeats reach the client through the relay (the relay half-closed upstream after the request).
            using var stream = new NetworkStream(socket, ownsSocket: false);
            byte[] header = new byte[4];
            await stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(header));
            Assert.DoesNotContain(broker.Log, static l => (string?)l["op"] == "consume");
        }

        // The sidecar is gone: the relay's next write fails, it closes upstream, the broker's next heartbeat fails.
        await WaitUntilAsync(() => broker.Log.Any(static l => (string?)l["op"] == "consume"));
        Assert.Contains(broker.Log, static l => (string?)l["op"] == "consume" && (string?)l["outcome"] == "client_gone");
        Assert.Equal([id], _home.PendingIds());
    }

    [Fact]
    public async Task A_wait_that_asked_for_heartbeats_gets_them_then_its_decision_in_the_same_connection()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        string id = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j").Output.Trim();

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(broker.SocketPath));
        await socket.SendAsync(BrokerWire.Frame($$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{id}}","timeout_ms":60000,"heartbeat_ms":100}"""));
        using var stream = new NetworkStream(socket, ownsSocket: false);

        // Done sending, as a relay would say it: the wait goes on.
        socket.Shutdown(SocketShutdown.Send);
        byte[] header = new byte[4];
        for (int i = 0; i < 3; i++)
        {
            await stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(header));
        }

        Assert.Equal(0, _home.Host("queue", "reject", id, "--notes", "no").ExitCode);
        uint length;
        do
        {
            await stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            length = BinaryPrimitives.ReadUInt32BigEndian(header);
        }
        while (length == 0);

        byte[] body = new byte[length];
        await stream.ReadExactlyAsync(body);
        JsonNode reply = JsonNode.Parse(body)!;
        Assert.Equal("consume", (string)reply["reply"]!);
        Assert.Equal("rejected", (string)reply["response"]!["status"]!);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(99)]
    [InlineData(600_001)]
    public async Task A_heartbeat_outside_its_range_is_refused_before_waiting(long heartbeatMs)
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        string id = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j").Output.Trim();

        JsonNode reply = (await BrokerWire.SendAsync(broker.SocketPath, BrokerWire.Frame($$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{id}}","timeout_ms":-1,"heartbeat_ms":{{heartbeatMs}}}""")))!;

        Assert.Equal("InvalidArgument", (string)reply["error_kind"]!);
        Assert.Contains("heartbeat_ms must be 100 to 600000", (string)reply["message"]!, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(15 * SidecarBinary.Patience))
        {
            await Task.Delay(50);
        }
    }
}
