using System;
using System.Buffers.Binary;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// A host broker and a sidecar of different broker protocol versions, both ways round: each side
/// says which is older and what to upgrade, and nothing is written.
/// </summary>
public sealed class BrokerVersionTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task An_older_sidecars_unversioned_request_is_refused_in_the_reply_shape_it_reads()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);

        // What a sidecar from before versioning sent: a flat object with no "v".
        JsonNode? reply = await BrokerWire.SendAsync(broker.SocketPath, BrokerWire.Frame(
            """{"op":"write_or_join","slug":"bottle-a","tool":"git-gate","proposed_file":"","justification":"from an old sidecar"}"""));

        Assert.NotNull(reply);
        Assert.False((bool)reply["ok"]!);
        Assert.Equal(12, (int)reply["error_kind"]!); // protocol 1's number for a schema error: the old sidecar exits 6
        string message = (string)reply["message"]!;
        Assert.Contains("broker protocol 3", message, StringComparison.Ordinal);
        Assert.Contains("broker protocol 1 (unversioned)", message, StringComparison.Ordinal);
        Assert.Contains("the sidecar is older", message, StringComparison.Ordinal);
        Assert.Null(reply["v"]);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public async Task A_newer_sidecars_request_is_refused_with_a_typed_error_naming_the_host_as_older()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);

        JsonNode? reply = await BrokerWire.SendAsync(broker.SocketPath, BrokerWire.Frame(
            """{"v":4,"op":"propose","slug":"bottle-a","tool":"git-gate","proposed_file":"","justification":"from a newer sidecar","priority":1}"""));

        Assert.NotNull(reply);
        Assert.Equal("error", (string)reply["reply"]!);
        Assert.Equal(3, (int)reply["v"]!);
        Assert.Equal("Schema", (string)reply["error_kind"]!);
        Assert.Contains("the host's broker is older", (string)reply["message"]!, StringComparison.Ordinal);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    public static TheoryData<string, string> OtherBrokers => new()
    {
        // An unversioned broker refuses protocol 2's "v" as an unknown member, in its own shape.
        { """{"ok":false,"error_kind":1,"message":"The request is not a broker request: The JSON property 'v' could not be mapped."}""", "the host's broker is older: upgrade bot-bottle-sidecar on the host" },
        // A newer broker answers in its own version.
        { """{"v":4,"reply":"error","error_kind":"Schema","message":"newer"}""", "the sidecar is older: upgrade the sidecar's bot-bottle-sidecar" },
    };

    [Theory]
    [MemberData(nameof(OtherBrokers))]
    public async Task A_sidecar_facing_a_broker_of_another_version_exits_6_saying_what_to_upgrade(string brokerReply, string expected)
    {
        string socketPath = Path.Combine(_home.Root, "other.sock");
        using var stop = new CancellationTokenSource();
        Task broker = ServeOneReplyAsync(socketPath, Encoding.UTF8.GetBytes(brokerReply), stop.Token);

        CommandResult propose = SidecarBinary.Run("propose", "--socket", socketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j");
        CommandResult serve = SidecarBinary.Run("serve", "--socket", socketPath, "--slug", "bottle-a", "--listen", "127.0.0.1:0");
        await stop.CancelAsync();
        await broker;

        Assert.True(propose.ExitCode == 6, propose.ToString());
        Assert.Contains(expected, propose.Error, StringComparison.Ordinal);
        Assert.True(serve.ExitCode == 6, serve.ToString());
        Assert.Contains(expected, serve.Error, StringComparison.Ordinal);
    }

    /// <summary>A stand-in broker of another version: every connection gets its request read and <paramref name="reply"/> back.</summary>
    private static async Task ServeOneReplyAsync(string socketPath, byte[] reply, CancellationToken stop)
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(8);
        try
        {
            while (true)
            {
                using Socket connection = await listener.AcceptAsync(stop);
                using var stream = new NetworkStream(connection, ownsSocket: false);
                byte[] header = new byte[4];
                await stream.ReadExactlyAsync(header, stop);
                await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadInt32BigEndian(header)], stop);
                await stream.WriteAsync(BrokerWire.Frame(reply), stop);
            }
        }
        catch (OperationCanceledException)
        {
            // The test is done with it.
        }
    }
}
