using System;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>How a sidecar under test reaches the queue.</summary>
public enum QueueMode
{
    /// <summary>The database file, as docker on Linux mounts it.</summary>
    Direct,

    /// <summary>The host broker's Unix socket.</summary>
    Broker,

    /// <summary>A relay's Unix socket in front of the broker's, as Apple container and smolvm forward it.</summary>
    RelayToUnix,

    /// <summary>A relay's Unix socket in front of the broker's TCP port, with the token.</summary>
    RelayToTcp,
}

/// <summary>
/// The processes behind one <see cref="QueueMode"/>: a broker (on a Unix socket, or on TCP with a
/// token), a relay in front of it, and the arguments that point a sidecar at the result. The relay
/// half-closes once the request is through (after the token and the request on TCP), fragments and
/// pauses, as the runtimes' relays may.
/// </summary>
public sealed class QueueRoute : IDisposable
{
    private QueueRoute(BrokerProcess? broker, RelayProcess? relay, string[] args)
    {
        Broker = broker;
        Relay = relay;
        Args = args;
    }

    public static TheoryData<QueueMode> AllModes => new() { QueueMode.Direct, QueueMode.Broker, QueueMode.RelayToUnix, QueueMode.RelayToTcp };

    public static TheoryData<QueueMode> BrokerModes => new() { QueueMode.Broker, QueueMode.RelayToUnix, QueueMode.RelayToTcp };

    public BrokerProcess? Broker { get; }

    public RelayProcess? Relay { get; }

    /// <summary>What to pass a sidecar command (serve, propose) for this route.</summary>
    public string[] Args { get; }

    public static async Task<QueueRoute> StartAsync(TestHome home, QueueMode mode)
    {
        if (mode == QueueMode.Direct)
        {
            return new QueueRoute(null, null, ["--db", home.DbPath]);
        }

        string tokenFile = Path.Combine(home.Root, "broker.token");
        BrokerProcess broker = mode == QueueMode.RelayToTcp ? await BrokerProcess.StartTcpAsync(home, tokenFile) : await BrokerProcess.StartAsync(home);
        try
        {
            RelayProcess? relay = mode switch
            {
                QueueMode.RelayToUnix => await RelayProcess.StartAsync(home, "unix:" + broker.SocketPath, framesPerRequest: 1),
                QueueMode.RelayToTcp => await RelayProcess.StartAsync(home, broker.TcpAddress!, framesPerRequest: 2),
                _ => null,
            };
            string[] args = mode switch
            {
                QueueMode.Broker => ["--broker", broker.SocketPath],
                QueueMode.RelayToUnix => ["--broker", "unix:" + relay!.SocketPath],
                _ => ["--broker", "unix:" + relay!.SocketPath, "--broker-token-file", tokenFile],
            };
            return new QueueRoute(broker, relay, args);
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    /// <summary>Fails if the relay could not reach the broker for some connection.</summary>
    public void AssertRelayReachedTheBroker()
    {
        if (Relay is not null)
        {
            Assert.NotEmpty(Relay.Log);
            Assert.DoesNotContain(Relay.Log, static entry => (string?)entry["event"] == "upstream_refused");
        }
    }

    public void Dispose()
    {
        Relay?.Dispose();
        Broker?.Dispose();
    }
}
