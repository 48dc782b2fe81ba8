using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Sidecar.Logging;
using BotBottle.Storage;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// The host side of a VM backend: owns the database and serves one bottle's queue on a Unix socket,
/// so the sidecar inside the VM never opens SQLite across virtiofs. The slug is the broker's: every
/// request naming another is refused, and another bottle's proposals do not exist through it.
/// </summary>
internal sealed class BrokerServer : IDisposable
{
    /// <summary>
    /// Unix-socket and authenticated TCP connections that have not yet sent a whole request. When a
    /// new one arrives past this, the oldest is dropped: a real client sends its request at once,
    /// so a flood of idle connections only ever evicts itself and cannot keep legitimate requests out.
    /// TCP connections that have not shown the token are not counted here: see <see cref="UnauthenticatedConnections"/>.
    /// </summary>
    public const int MaxUnreadConnections = 64;

    /// <summary>TCP connections from one address that have not yet shown the token.</summary>
    public const int MaxUnauthenticatedPerPeer = 64;

    /// <summary>TCP connections from all addresses that have not yet shown the token.</summary>
    public const int MaxUnauthenticated = 256;

    /// <summary>How long a TCP client has to show its token once connected: a real one sends it first, at once.</summary>
    private static readonly TimeSpan TokenReadTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The kernel's accept queue for TCP: under a flood connections wait there for a slot, so it is
    /// deeper than the usual 128 (the kernel caps it at net.core.somaxconn).
    /// </summary>
    private const int TcpBacklog = 1024;

    /// <summary>Connections with a request in hand (mostly waits); more are answered Busy and closed.</summary>
    public const int MaxActiveConnections = 1024;

    /// <summary>Frames up to this size are read by anyone; larger ones take one of a few slots, which bounds what reading can hold.</summary>
    private const int SmallFrameBytes = 64 * 1024;

    /// <summary>How long a client has to send its whole request once connected.</summary>
    private static readonly TimeSpan RequestReadTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ReplyWriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>After a waiting client's end of stream, when to write the second probe: a closed TCP peer's reset is back by then.</summary>
    private static readonly TimeSpan HalfCloseProbeDelay = TimeSpan.FromMilliseconds(200);

    private readonly Socket? _listener;
    private readonly Socket? _tcpListener;
    private readonly BrokerToken? _token;
    private readonly ISidecarStore _queue;
    /// <summary>Large requests read at once: with frames up to 16 MiB this bounds what reading them can hold to 128 MiB.</summary>
    private readonly SemaphoreSlim _largeReads = new(8);
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly LinkedList<CancellationTokenSource> _unread = new();
    private readonly UnauthenticatedConnections _strangers = new(MaxUnauthenticatedPerPeer, MaxUnauthenticated);
    private readonly FloodSummary _flood = new("broker", "TCP connections closed before they showed the token");
    private int _active;

    private BrokerServer(Socket? listener, string? socketPath, Socket? tcpListener, BrokerToken? token, ISidecarStore queue)
    {
        _listener = listener;
        SocketPath = socketPath;
        _tcpListener = tcpListener;
        _token = token;
        _queue = queue;
    }

    /// <summary>The Unix socket served, if any.</summary>
    public string? SocketPath { get; }

    /// <summary>The TCP address bound (its real port when 0 was asked for), if any.</summary>
    public EndPoint? TcpEndPoint => _tcpListener?.LocalEndPoint;

    /// <summary>The one bottle served: the queue view's, so the scope is written once.</summary>
    public string Slug => _queue.Slug;

    /// <summary>
    /// Binds the Unix socket (mode 0600) and/or a TCP address. A stale socket left by a broker that
    /// died is replaced; a live one, or any other kind of file, is refused. Every TCP connection must
    /// open with <paramref name="token"/> before its request is read.
    /// </summary>
    /// <exception cref="StorageException">CannotOpen when an address is taken or cannot be bound.</exception>
    public static BrokerServer Bind(string? socketPath, BrokerAddress? tcp, BrokerToken? token, ISidecarStore queue)
    {
        if (socketPath is null && tcp is null)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "The broker needs somewhere to listen: --socket PATH, --listen tcp://HOST:PORT, or both.");
        }

        if (tcp is not null && token is null)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "A TCP broker needs --token-file: anyone who can reach the port could otherwise speak for the bottle.");
        }

        Socket? unix = socketPath is null ? null : BindUnix(socketPath = Path.GetFullPath(socketPath));
        Socket? tcpListener = null;
        if (tcp is not null)
        {
            tcpListener = new Socket(tcp.Family, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcpListener.Bind(tcp.EndPoint);
                tcpListener.Listen(TcpBacklog);
            }
            catch (SocketException exception)
            {
                tcpListener.Dispose();
                unix?.Dispose();
                throw new StorageException(StorageErrorKind.CannotOpen, $"Cannot listen on {tcp}: {exception.Message}");
            }
        }

        return new BrokerServer(unix, socketPath, tcpListener, token, queue);
    }

    private static Socket BindUnix(string socketPath)
    {
        RemoveStaleSocket(socketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            HostPaths.EnsureParentDirectory(socketPath);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(128);
        }
        catch (Exception exception) when (exception is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new StorageException(StorageErrorKind.CannotOpen, $"Cannot listen on {socketPath}: {exception.Message}");
        }

        return listener;
    }

    /// <summary>Serves until <paramref name="stopping"/> fires; then waits end with an error naming the proposal, and the socket file is removed.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await Task.WhenAll(
                _listener is null ? Task.CompletedTask : AcceptAsync(_listener, authenticate: false, stopping),
                _tcpListener is null ? Task.CompletedTask : AcceptAsync(_tcpListener, authenticate: true, stopping)).ConfigureAwait(false);
        }
        finally
        {
            _listener?.Dispose();
            _tcpListener?.Dispose();
            if (SocketPath is not null)
            {
                File.Delete(SocketPath);
            }

            await Task.WhenAll(_connections.Keys).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task AcceptAsync(Socket listener, bool authenticate, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            // A TCP connection is counted among those yet to show the token before the next is accepted:
            // under a flood this is what paces accepting (see UnauthenticatedConnections.AddAsync).
            var readLimit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            UnauthenticatedConnections.Entry? stranger = null;
            if (authenticate)
            {
                try
                {
                    stranger = await _strangers.AddAsync(PeerOf(client), client, readLimit, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    client.Dispose();
                    readLimit.Dispose();
                    break;
                }

                if (stranger is null)
                {
                    // Every slot holds a connection that has sent more than this one: it is refused.
                    client.Dispose();
                    readLimit.Dispose();
                    _flood.Refused();
                    continue;
                }
            }

            Task connection = ServeConnectionAsync(client, stranger, readLimit, stopping);
            _connections.TryAdd(connection, true);
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _tcpListener?.Dispose();
        _largeReads.Dispose();
        _flood.Dispose();
    }

    private static void RemoveStaleSocket(string socketPath)
    {
        if (Directory.Exists(socketPath))
        {
            throw new StorageException(StorageErrorKind.CannotOpen, $"{socketPath} is a directory; choose a file path for --socket.");
        }

        var info = new FileInfo(socketPath);
        if (!info.Exists)
        {
            return;
        }

        // .NET cannot ask for a file's type, but a socket always has size 0: anything bigger is
        // somebody's file and is left alone.
        if (info.Length > 0)
        {
            throw new StorageException(StorageErrorKind.CannotOpen, $"{socketPath} exists and is not a socket; remove it or choose another --socket.");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException)
        {
            // Nobody listens: a broker died without cleaning up.
            File.Delete(socketPath);
            return;
        }

        throw new StorageException(StorageErrorKind.CannotOpen, $"Another broker is already serving {socketPath}; stop it first or choose another --socket.");
    }

    /// <summary>Serves one connection; <paramref name="stranger"/> is set for a TCP one, which must show the token first.</summary>
    private async Task ServeConnectionAsync(Socket socket, UnauthenticatedConnections.Entry? stranger, CancellationTokenSource readLimit, CancellationToken stopping)
    {
        var clock = Stopwatch.StartNew();
        string op = "?";
        string? outcome = "ok";
        string? error = null;
        using CancellationTokenSource ownedReadLimit = readLimit;
        LinkedListNode<CancellationTokenSource>? unread = null;
        bool active = false;
        try
        {
            using (socket)
            using (var stream = new NetworkStream(socket, ownsSocket: false))
            {
                byte[] body;
                try
                {
                    // A TCP connection opens with the token; nothing of the request is read before it matches.
                    if (stranger is not null)
                    {
                        readLimit.CancelAfter(TokenReadTimeout);
                        byte[] offered;
                        try
                        {
                            offered = await BrokerFrames.ReadAsync(new ProgressStream(stream, stranger), RefuseLongToken, readLimit.Token).ConfigureAwait(false);
                        }
                        finally
                        {
                            _strangers.Remove(stranger);
                        }

                        if (!_token!.Matches(offered))
                        {
                            outcome = "bad_token";
                            await TryReplyAsync(stream, Error(StorageErrorKind.Denied, "The broker refused the connection: wrong or missing token. Start the sidecar with --broker-token-file naming the broker's token file.")).ConfigureAwait(false);
                            await DiscardUnreadAsync(socket, stream).ConfigureAwait(false);
                            return;
                        }
                    }

                    readLimit.CancelAfter(RequestReadTimeout);
                    unread = TrackUnread(readLimit);
                    body = await BrokerFrames.ReadAsync(stream, ReserveLargeReadAsync, readLimit.Token).ConfigureAwait(false);
                }
                catch (BrokerProtocolException exception)
                {
                    outcome = "bad_frame";
                    await TryReplyAsync(stream, Error(StorageErrorKind.InvalidArgument, exception.Message)).ConfigureAwait(false);
                    return;
                }
                catch (Exception exception) when (exception is EndOfStreamException or IOException or OperationCanceledException or SocketException)
                {
                    if (stranger is not null && unread is null)
                    {
                        // Never authenticated: a flood of these is counted, not logged one by one.
                        outcome = null;
                        if (stranger.Evicted)
                        {
                            _flood.Evicted();
                        }
                        else
                        {
                            _flood.NoRequest();
                        }

                        return;
                    }

                    outcome = unread is { List: null } ? "evicted" : "no_request";
                    return;
                }
                finally
                {
                    Untrack(unread);
                }

                active = true;
                if (Interlocked.Increment(ref _active) > MaxActiveConnections)
                {
                    outcome = "busy";
                    await TryReplyAsync(stream, Error(StorageErrorKind.Busy, $"The broker is serving {MaxActiveConnections} requests already; try again.")).ConfigureAwait(false);
                    return;
                }

                BrokerRequest? request = Parse(body, out BrokerReply? parseError);
                op = BrokerProtocol.OpOf(request) ?? "?";
                BrokerReply? reply = parseError ?? await DispatchAsync(request!, socket, stream, stopping).ConfigureAwait(false);
                if (reply is null)
                {
                    outcome = "client_gone";
                    return;
                }

                outcome = reply is ErrorReply ? "error" : "ok";
                error = reply is ErrorReply failed ? StorageErrorCodes.Name(failed.ErrorKind) : null;
                if (request is null && reply is ErrorReply refusal && BrokerProtocol.IsUnversioned(body))
                {
                    // A sidecar from before versioning reads only its own reply shape: tell it in that shape.
                    await TryReplyAsync(stream, BrokerProtocol.UnversionedError(refusal)).ConfigureAwait(false);
                    return;
                }

                await TryReplyAsync(stream, reply).ConfigureAwait(false);
            }
        }
        finally
        {
            if (active)
            {
                Interlocked.Decrement(ref _active);
            }

            if (outcome is not null)
            {
                JsonLog.Event("request").Add("op", op.Length <= 32 ? op : op[..32]).Add("outcome", outcome).Add("error", error).Add("ms", clock.ElapsedMilliseconds).Write();
            }
        }
    }

    /// <summary>Counts a connection as unread; past <see cref="MaxUnreadConnections"/> the oldest unread one is dropped.</summary>
    private LinkedListNode<CancellationTokenSource> TrackUnread(CancellationTokenSource readLimit)
    {
        CancellationTokenSource? evicted = null;
        LinkedListNode<CancellationTokenSource> node;
        lock (_unread)
        {
            if (_unread.Count >= MaxUnreadConnections)
            {
                evicted = _unread.First!.Value;
                _unread.RemoveFirst();
            }

            node = _unread.AddLast(readLimit);
        }

        evicted?.Cancel();
        return node;
    }

    private void Untrack(LinkedListNode<CancellationTokenSource>? node)
    {
        lock (_unread)
        {
            if (node?.List is not null)
            {
                _unread.Remove(node);
            }
        }
    }

    /// <summary>Whom a TCP connection counts against: its address, an IPv4 client on a dual-stack socket as IPv4.</summary>
    private static IPAddress PeerOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint is IPEndPoint { Address: { } address } ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) : IPAddress.None;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Gone already: its read fails at once, and the slot with it.
            return IPAddress.None;
        }
    }

    /// <summary>
    /// After a refusal the client may still be sending its request. Closing with unread bytes would
    /// reset the connection and could destroy the refusal before the client reads it, so the rest
    /// is read and dropped (briefly, and never into memory) after the reply is sent.
    /// </summary>
    private static async Task DiscardUnreadAsync(Socket socket, NetworkStream stream)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            byte[] sink = new byte[16 * 1024];
            long dropped = 0;
            while (dropped < BrokerFrames.MaxFrameBytes && await stream.ReadAsync(sink, limit.Token).ConfigureAwait(false) is > 0 and int read)
            {
                dropped += read;
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
        {
            // The client left or took too long; the refusal was sent either way.
        }
    }

    private static ValueTask<IDisposable?> RefuseLongToken(int length, CancellationToken cancellationToken)
        => length <= BrokerToken.MaxBytes ? ValueTask.FromResult<IDisposable?>(null) : throw new BrokerProtocolException("The broker refused the connection: a token is at most 256 bytes.");

    /// <summary>Called once a frame's header declares its size: large frames wait for one of a few slots.</summary>
    private async ValueTask<IDisposable?> ReserveLargeReadAsync(int length, CancellationToken cancellationToken)
    {
        if (length <= SmallFrameBytes)
        {
            return null;
        }

        await _largeReads.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new SlotRelease(_largeReads);
    }

    private sealed class SlotRelease(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }

    /// <summary>Reads through to the connection and reports each read's bytes as the unauthenticated connection's progress.</summary>
    private sealed class ProgressStream(Stream inner, UnauthenticatedConnections.Entry entry) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            entry.Progress(read);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static BrokerRequest? Parse(byte[] body, out BrokerReply? error)
    {
        error = null;
        try
        {
            int version = BrokerProtocol.VersionOf(body);
            if (version != BrokerProtocol.Version)
            {
                error = Error(
                    StorageErrorKind.Schema,
                    BrokerProtocol.Mismatch(brokerVersion: BrokerProtocol.Version, sidecarVersion: version));
                return null;
            }

            return JsonSerializer.Deserialize(body, BrokerJsonContext.Default.BrokerRequest)
                ?? throw new JsonException("The request must be a JSON object.");
        }
        catch (JsonException exception)
        {
            error = Error(StorageErrorKind.InvalidArgument, "The request is not a broker request: " + exception.Message);
            return null;
        }
        catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException)
        {
            // Invalid UTF-8 inside a string, or an op the protocol does not have, surfaces here.
            error = Error(StorageErrorKind.InvalidArgument, "The request is not a broker request: " + exception.Message);
            return null;
        }
    }

    private async Task<BrokerReply?> DispatchAsync(BrokerRequest request, Socket socket, Stream stream, CancellationToken stopping)
    {
        if (request.Slug != Slug)
        {
            return Error(StorageErrorKind.Denied, $"This broker serves bottle '{Slug}', not '{request.Slug}'. Start the sidecar with --slug {Slug}, or run a broker for its bottle.");
        }

        try
        {
            return request switch
            {
                HelloRequest => new HelloReply(Slug),
                ProposeRequest propose => Proposed(_queue.Propose(propose.Tool, propose.ProposedFile, propose.Justification, propose.CurrentFile)),
                ReadProposalRequest read => new ReadProposalReply(_queue.ReadProposal(read.ProposalId)),
                ConsumeRequest consume => await ConsumeAsync(consume, socket, stream, stopping).ConfigureAwait(false),
                WithdrawRequest withdraw => new WithdrawReply(_queue.WithdrawProposal(withdraw.ProposalId)),
                ReadFirstSeenRequest seen => new ReadFirstSeenReply(_queue.ReadFirstSeen(seen.ProposalId)),
                HealthRequest => new HealthReply(_queue.CheckHealth()),
                _ => Error(StorageErrorKind.InvalidArgument, "The broker knows hello, propose, read_proposal, consume, withdraw, read_first_seen and health."),
            };
        }
        catch (StorageException exception)
        {
            return Error(exception.Kind, exception.Message);
        }
    }

    private static ProposeReply Proposed(ProposalWriteResult written) => new(written.Proposal, written.Joined);

    private async Task<BrokerReply?> ConsumeAsync(ConsumeRequest request, Socket socket, Stream stream, CancellationToken stopping)
    {
        TimeSpan timeout;
        try
        {
            timeout = WaitLimits.FromMilliseconds(request.TimeoutMs, "timeout_ms");
        }
        catch (StorageException exception)
        {
            return Error(exception.Kind, exception.Message);
        }

        if (request.HeartbeatMs is < ConsumeRequest.MinHeartbeatMs or > ConsumeRequest.MaxHeartbeatMs)
        {
            return Error(StorageErrorKind.InvalidArgument, $"heartbeat_ms must be {ConsumeRequest.MinHeartbeatMs} to {ConsumeRequest.MaxHeartbeatMs}, or absent.");
        }

        // Fail fast, before the reply stream starts, for an unknown id or another bottle's.
        if (_queue.ReadProposal(request.ProposalId) is null)
        {
            return Error(StorageErrorKind.NotFound, $"No proposal {request.ProposalId} to wait for.");
        }

        using var waitEnded = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var watchEnded = new CancellationTokenSource();
        Task<Response?> wait = _queue.ConsumeResponseAsync(request.ProposalId, timeout, waitEnded.Token);

        // The watch completes on its own only when the client is gone. It is not tied to shutdown,
        // so a stopping broker still gets to say why the wait ended.
        Task gone = request.HeartbeatMs is { } heartbeatMs
            ? WatchWithHeartbeatsAsync(socket, stream, TimeSpan.FromMilliseconds(heartbeatMs), watchEnded.Token)
            : WatchForCloseAsync(socket, watchEnded.Token);
        Task first = await Task.WhenAny(wait, gone).ConfigureAwait(false);
        waitEnded.Cancel();
        await watchEnded.CancelAsync().ConfigureAwait(false);
        await gone.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (first == gone)
        {
            await ((Task)wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return null;
        }

        try
        {
            return new ConsumeReply(await wait.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return Error(StorageErrorKind.CannotOpen, $"The broker is shutting down. Proposal {request.ProposalId} stays queued; wait again once the broker is back.");
        }
    }

    /// <summary>A client that asked for no heartbeats sends nothing after its request: a read that completes means it closed (or broke the protocol).</summary>
    private static async Task WatchForCloseAsync(Socket socket, CancellationToken cancellationToken)
        => await socket.ReceiveAsync(new byte[1], SocketFlags.None, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Returns once the client is known to be gone. End of stream alone does not say so: relays
    /// half-close after the request. A write does: it fails once the peer (or the relay, which
    /// closes its upstream when a write downstream fails) has closed. So on end of stream the
    /// broker probes at once and again shortly after (a TCP peer's reset needs a round trip), and
    /// from then on every heartbeat is the probe.
    /// </summary>
    private static async Task WatchWithHeartbeatsAsync(Socket socket, Stream stream, TimeSpan interval, CancellationToken cancellationToken)
    {
        Task<int> received = socket.ReceiveAsync(new byte[1], SocketFlags.None, cancellationToken).AsTask();

        // Left pending when a heartbeat finds the client gone; the caller's cancellation ends it.
        _ = received.ContinueWith(static done => done.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        bool halfClosed = false;
        while (true)
        {
            Task tick = Task.Delay(interval, cancellationToken);
            if (!halfClosed && await Task.WhenAny(received, tick).ConfigureAwait(false) == received)
            {
                if (!received.IsCompletedSuccessfully || received.Result > 0)
                {
                    // Broken, or bytes after the request: the protocol has none.
                    cancellationToken.ThrowIfCancellationRequested();
                    return;
                }

                halfClosed = true;
                if (!await TryHeartbeatAsync(stream).ConfigureAwait(false))
                {
                    return;
                }

                await Task.Delay(HalfCloseProbeDelay, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await tick.ConfigureAwait(false);
            }

            if (!await TryHeartbeatAsync(stream).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Never cancelled part-way: half a heartbeat would corrupt the reply that follows it.</summary>
    private static async Task<bool> TryHeartbeatAsync(Stream stream)
    {
        using var writeLimit = new CancellationTokenSource(ReplyWriteTimeout);
        try
        {
            await BrokerFrames.WriteHeartbeatAsync(stream, writeLimit.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    private static ErrorReply Error(StorageErrorKind kind, string message) => new(kind, message);

    private static Task TryReplyAsync(Stream stream, BrokerReply reply)
        => TryReplyAsync(stream, JsonSerializer.SerializeToUtf8Bytes(reply, BrokerJsonContext.Default.BrokerReply));

    private static async Task TryReplyAsync(Stream stream, byte[] reply)
    {
        // Not tied to shutdown: a stopping broker still tells its waiters why their wait ended.
        using var writeLimit = new CancellationTokenSource(ReplyWriteTimeout);
        try
        {
            await BrokerFrames.WriteAsync(stream, reply, writeLimit.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client left; nothing to tell it.
        }
    }
}
