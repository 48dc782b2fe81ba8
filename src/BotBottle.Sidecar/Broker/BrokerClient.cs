using System;
using System.IO;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// The sidecar's queue on a VM backend: every call goes to the host broker over its Unix socket,
/// one connection per call, and comes back with the result or the same error the database would
/// have given. A wait holds its connection open; cancelling it closes the connection, which ends
/// the broker's wait too.
/// </summary>
internal sealed class BrokerClient : ISidecarStore
{
    /// <summary>The longest finite wait: a year, as <c>propose --timeout</c> allows.</summary>
    public const long MaxTimeoutMilliseconds = 31_536_000_000;

    /// <summary>A broker answers anything but a wait within its busy timeout; this only catches a wedged one.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly string _slug;

    public BrokerClient(string socketPath, string slug)
    {
        SocketPath = socketPath;
        _slug = slug;
    }

    public string SocketPath { get; }

    /// <summary>Connects once to prove the broker is there and serves <paramref name="slug"/>.</summary>
    /// <exception cref="StorageException">CannotOpen when nobody answers; Denied when the broker serves another bottle.</exception>
    public static BrokerClient Connect(string socketPath, string slug)
    {
        var client = new BrokerClient(socketPath, slug);
        client.Call(new BrokerRequest { Op = BrokerOps.Hello, Slug = slug });
        return client;
    }

    public ProposalWriteResult WriteOrJoinProposal(Proposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);

        // The broker makes the id and arrival time itself; only what the sidecar chose travels.
        BrokerReply reply = Call(new BrokerRequest
        {
            Op = BrokerOps.WriteOrJoin,
            Slug = proposal.BottleSlug,
            Tool = proposal.Tool,
            ProposedFile = proposal.ProposedFile,
            Justification = proposal.Justification,
            CurrentFile = proposal.CurrentFile,
        });
        return new ProposalWriteResult(reply.Proposal ?? throw Malformed("write_or_join"), reply.Joined);
    }

    public Proposal? ReadProposal(string proposalId) => Call(ById(BrokerOps.ReadProposal, proposalId)).Proposal;

    public Response? ReadResponse(string proposalId) => Call(ById(BrokerOps.ReadResponse, proposalId)).Response;

    public void ArchiveProposal(string proposalId) => Call(ById(BrokerOps.Archive, proposalId));

    /// <summary>The broker's own health check of the database it owns; an unreachable broker is unhealthy too.</summary>
    public StorageHealth CheckHealth()
    {
        try
        {
            return Call(new BrokerRequest { Op = BrokerOps.Health, Slug = _slug }).Health ?? throw Malformed(BrokerOps.Health);
        }
        catch (StorageException exception)
        {
            return StorageHealth.From(exception);
        }
    }

    public async Task<Response?> WaitForResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "timeout must be zero or more (or infinite).");
        }

        long milliseconds = timeout == Timeout.InfiniteTimeSpan ? -1 : (long)Math.Min(Math.Ceiling(timeout.TotalMilliseconds), MaxTimeoutMilliseconds);
        BrokerRequest request = ById(BrokerOps.WaitForResponse, proposalId) with { TimeoutMs = milliseconds };
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, BrokerJsonContext.Default.BrokerRequest);

        using Socket socket = Open();
        using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            await BrokerFrames.WriteAsync(stream, body, cancellationToken).ConfigureAwait(false);
            return Interpret(await BrokerFrames.ReadAsync(stream, cancellationToken).ConfigureAwait(false), request.Op!).Response;
        }
        catch (Exception exception) when (exception is IOException or SocketException or BrokerProtocolException && !cancellationToken.IsCancellationRequested)
        {
            throw Lost(request.Op!, exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            // Cancelling closed the socket under a pending read; the caller asked for this.
            throw new OperationCanceledException(cancellationToken);
        }
    }

    private BrokerRequest ById(string op, string proposalId) => new() { Op = op, Slug = _slug, ProposalId = proposalId };

    private BrokerReply Call(BrokerRequest request)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, BrokerJsonContext.Default.BrokerRequest);
        using Socket socket = Open();
        socket.SendTimeout = socket.ReceiveTimeout = (int)CallTimeout.TotalMilliseconds;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            BrokerFrames.Write(stream, body);
            return Interpret(BrokerFrames.Read(stream), request.Op!);
        }
        catch (Exception exception) when (exception is IOException or SocketException or BrokerProtocolException)
        {
            throw Lost(request.Op!, exception);
        }
    }

    private Socket Open()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
            return socket;
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new StorageException(
                StorageErrorKind.CannotOpen,
                $"Cannot reach the bot-bottle broker at {SocketPath} ({exception.Message}). On the host, run 'bot-bottle-sidecar broker --socket PATH --slug {_slug}' and forward PATH to {SocketPath}, or remove the socket to use the database directly.");
        }
    }

    private static BrokerReply Interpret(byte[] body, string op)
    {
        BrokerReply? reply;
        try
        {
            reply = JsonSerializer.Deserialize(body, BrokerJsonContext.Default.BrokerReply);
        }
        catch (JsonException)
        {
            reply = null;
        }

        if (reply is null)
        {
            throw Malformed(op);
        }

        if (reply.Ok)
        {
            return reply;
        }

        StorageErrorKind kind = reply.ErrorKind is { } value && Enum.IsDefined((StorageErrorKind)value) ? (StorageErrorKind)value : StorageErrorKind.Internal;
        throw new StorageException(kind, reply.Message ?? $"The broker refused {op} without saying why.");
    }

    private StorageException Lost(string op, Exception exception)
        => new(StorageErrorKind.Io, $"The broker at {SocketPath} closed the connection during {op} ({exception.Message}); nothing is known about its outcome until the broker is back.");

    private static StorageException Malformed(string op)
        => new(StorageErrorKind.Internal, $"The broker's reply to {op} is not one this sidecar understands; are host and sidecar the same version?");
}
