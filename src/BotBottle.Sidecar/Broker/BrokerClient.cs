using System;
using System.IO;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// The sidecar's queue on a VM backend: every call goes to the host broker (over its Unix socket,
/// TCP, or a runtime's relay), one connection per call, and comes back with the result or the same
/// error the database would have given. A wait holds its connection open, with the broker's
/// heartbeats on it; cancelling it closes the connection, which ends the broker's wait too.
/// </summary>
internal sealed class BrokerClient : ISidecarStore
{
    /// <summary>A broker answers anything but a wait within its busy timeout; this only catches a wedged one.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the broker writes to a waiting sidecar: well inside the idle timeouts of the relays
    /// and NAT paths between a VM and its host (a minute and up), and rare enough to cost nothing.
    /// </summary>
    private const long HeartbeatMs = 10_000;

    private readonly string _slug;
    private readonly BrokerToken? _token;

    public BrokerClient(BrokerAddress address, string slug, BrokerToken? token)
    {
        Address = address;
        _slug = slug;
        _token = token;
    }

    public BrokerAddress Address { get; }

    /// <summary>How logs and errors name the broker: its socket path, or tcp://HOST:PORT.</summary>
    public string SocketPath => Address.IsTcp ? Address.ToString() : Address.Path;

    /// <summary>Connects once to prove the broker is there, speaks this protocol, and serves <paramref name="slug"/>.</summary>
    /// <exception cref="StorageException">CannotOpen when nobody answers; Denied when the broker serves another bottle; Schema when it speaks another protocol version.</exception>
    public static BrokerClient Connect(BrokerAddress address, string slug, BrokerToken? token)
    {
        if (address.IsTcp && token is null)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, $"The broker at {address} is reached over TCP, which needs --broker-token-file (the token file the broker was started with).");
        }

        var client = new BrokerClient(address, slug, token);
        client.Call<HelloReply>(new HelloRequest { Version = BrokerProtocol.Version, Slug = slug });
        return client;
    }

    /// <inheritdoc />
    public string Slug => _slug;

    public ProposalWriteResult Propose(string tool, string proposedFile, string justification, string? currentFile = null)
    {
        ProposeReply reply = Call<ProposeReply>(new ProposeRequest
        {
            Version = BrokerProtocol.Version,
            Slug = _slug,
            Tool = tool,
            ProposedFile = proposedFile,
            Justification = justification,
            CurrentFile = currentFile,
        });
        return new ProposalWriteResult(reply.Proposal, reply.Joined);
    }

    public Proposal? ReadProposal(string proposalId)
        => Call<ReadProposalReply>(new ReadProposalRequest { Version = BrokerProtocol.Version, Slug = _slug, ProposalId = proposalId }).Proposal;

    public DateTimeOffset? ReadFirstSeen(string proposalId)
        => Call<ReadFirstSeenReply>(new ReadFirstSeenRequest { Version = BrokerProtocol.Version, Slug = _slug, ProposalId = proposalId }).SeenAt;

    public Withdrawal WithdrawProposal(string proposalId)
        => Call<WithdrawReply>(new WithdrawRequest { Version = BrokerProtocol.Version, Slug = _slug, ProposalId = proposalId }).Withdrawal;

    /// <summary>A wait is a connection the broker answers when the decision comes: nothing polls here.</summary>
    public WaitMode DescribeWaits() => new("broker", $"waits are held open on the host broker's socket {SocketPath}; the broker watches the database");

    /// <summary>The broker's own health check of the database it owns; an unreachable broker is unhealthy too.</summary>

    public StorageHealth CheckHealth()
    {
        try
        {
            return Call<HealthReply>(new HealthRequest { Version = BrokerProtocol.Version, Slug = _slug }).Health;
        }
        catch (StorageException exception)
        {
            return StorageHealth.From(exception);
        }
    }

    public async Task<Response?> ConsumeResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long milliseconds = WaitLimits.ToMilliseconds(timeout);
        var request = new ConsumeRequest { Version = BrokerProtocol.Version, Slug = _slug, ProposalId = proposalId, TimeoutMs = milliseconds, HeartbeatMs = HeartbeatMs };
        using Socket socket = Open();
        using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            await BrokerFrames.WriteAsync(stream, Serialize(request), cancellationToken).ConfigureAwait(false);
            return Interpret<ConsumeReply>(await BrokerFrames.ReadAfterHeartbeatsAsync(stream, cancellationToken).ConfigureAwait(false), "consume").Response;
        }
        catch (Exception exception) when (exception is IOException or SocketException or BrokerProtocolException && !cancellationToken.IsCancellationRequested)
        {
            throw Lost("consume", exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // Cancelling closed the socket under a pending read; the caller asked for this.
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private static byte[] Serialize(BrokerRequest request) => BrokerClientJson.Write(request);

    private T Call<T>(BrokerRequest request)
        where T : BrokerReply
    {
        string op = request.GetType().Name;
        using Socket socket = Open();
        socket.SendTimeout = socket.ReceiveTimeout = (int)CallTimeout.TotalMilliseconds;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            BrokerFrames.Write(stream, Serialize(request));
            return Interpret<T>(BrokerFrames.Read(stream), op);
        }
        catch (Exception exception) when (exception is IOException or SocketException or BrokerProtocolException)
        {
            throw Lost(op, exception);
        }
    }

    private Socket Open()
    {
        Socket socket = Address.IsTcp
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(Address.EndPoint);
            if (_token is not null)
            {
                // The token opens every connection: the broker reads nothing else before it matches.
                using var stream = new NetworkStream(socket, ownsSocket: false);
                BrokerFrames.Write(stream, _token.Bytes);
            }

            return socket;
        }
        catch (Exception exception) when (exception is SocketException or IOException)
        {
            socket.Dispose();
            throw new StorageException(
                StorageErrorKind.CannotOpen,
                $"Cannot reach the bot-bottle broker at {SocketPath} ({exception.Message}). On the host, run 'bot-bottle-sidecar broker --socket PATH --slug {_slug}' and forward PATH to {SocketPath}, or remove the socket to use the database directly.");
        }
    }

    private static T Interpret<T>(byte[] body, string op)
        where T : BrokerReply
    {
        int version;
        try
        {
            version = BrokerProtocol.VersionOf(body);
        }
        catch (JsonException)
        {
            throw Malformed(op);
        }

        if (version != BrokerProtocol.Version)
        {
            throw new StorageException(
                StorageErrorKind.Schema,
                BrokerProtocol.Mismatch(brokerVersion: version, sidecarVersion: BrokerProtocol.Version));
        }

        return BrokerClientJson.ReadReply(body) switch
        {
            T expected => expected,
            ErrorReply error => throw new StorageException(Enum.IsDefined(error.ErrorKind) ? error.ErrorKind : StorageErrorKind.Internal, error.Message),
            _ => throw Malformed(op),
        };
    }

    private StorageException Lost(string op, Exception exception)
        => new(StorageErrorKind.Io, $"The broker at {SocketPath} closed the connection during {op} ({exception.Message}); nothing is known about its outcome until the broker is back.");

    private static StorageException Malformed(string op)
        => new(StorageErrorKind.Internal, $"The broker's reply to {op} is not one this sidecar understands; are host and sidecar the same version?");
}
