using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Sidecar.Connections;
using BotBottle.Sidecar.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace BotBottle.Sidecar.Mcp;

/// <summary>
/// serve's own connection cap, in place of Kestrel's (which refuses every new connection once the
/// cap is reached, so 1,100 idle sockets blinded the server, <c>/healthz</c> included). A connection
/// must earn its slot: one that has not sent a whole request within <see cref="FirstRequestDeadline"/>
/// is closed, and when slots run out (the peer's or everyone's) a new connection takes the slot of
/// one that is not in a request: an idle keep-alive connection first (idle longest first, and
/// only once idle for a second), then one that has never sent a request (fewest bytes received,
/// oldest first). A connection in a request (a waiting tool call holds one for minutes) is never
/// taken; when every slot is in a request, the new one is refused.
/// </summary>
internal sealed class ConnectionSlots(int total, int perPeer) : IDisposable
{
    /// <summary>How long a new connection may take to send its first request's headers.</summary>
    public static readonly TimeSpan FirstRequestDeadline = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Pool _all = new();
    private readonly Dictionary<IPAddress, Pool> _byPeer = [];
    private readonly FloodSummary _flood = new("serve", "closed to keep slots for connections that send requests");

    /// <summary>
    /// How long a connection must have been idle before it is closed ahead of one that never sent
    /// a request: just after its response the client may still be reading it (or closing, after
    /// "Connection: close"), and closing it then would cut the answer short.
    /// </summary>
    private static readonly TimeSpan IdleGrace = TimeSpan.FromSeconds(1);

    /// <summary>How many candidates, at most, are asked for unread bytes before one is taken.</summary>
    private const int MaxProbes = 8;

    /// <summary>Where the HTTP layer finds the connection's slot (in the connection's items).</summary>
    private static readonly object ItemKey = new();

    /// <summary>Writes what the flood summary still holds.</summary>
    public void Dispose() => _flood.Dispose();

    /// <summary>Kestrel connection middleware: admits, tracks and releases every connection.</summary>
    public async Task ServeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        IPAddress peer = connection.RemoteEndPoint is IPEndPoint { Address: { } address } ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) : IPAddress.None;
        Slot? slot = Admit(connection, peer);
        if (slot is null)
        {
            _flood.Refused();
            connection.Abort(new ConnectionAbortedException("Every connection slot holds a request."));
            return;
        }

        connection.Items[ItemKey] = slot;
        using var deadline = new CancellationTokenSource(FirstRequestDeadline);
        using CancellationTokenRegistration expiry = deadline.Token.Register(static state => ((ConnectionSlots.Slot)state!).ExpireIfNeverRequested(), slot);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Release(slot);
        }
    }

    /// <summary>The HTTP layer's side: a request began on <paramref name="items"/>' connection; dispose when its response has been sent.</summary>
    public IDisposable? RequestStarted(IDictionary<object, object?>? items)
    {
        if (items is null || !items.TryGetValue(ItemKey, out object? value) || value is not Slot slot)
        {
            return null;
        }

        lock (_lock)
        {
            if (slot.Requests++ == 0 && !slot.Released)
            {
                slot.Everywhere.List?.Remove(slot.Everywhere);
                slot.OfPeer.List?.Remove(slot.OfPeer);
            }

            slot.EverRequested = true;
        }

        return new RequestEnd(this, slot);
    }

    private void RequestEnded(Slot slot)
    {
        lock (_lock)
        {
            if (--slot.Requests == 0 && !slot.Released)
            {
                slot.IdleSince = Stopwatch.GetTimestamp();
                _all.Idle.AddLast(slot.Everywhere);
                _byPeer[slot.Peer].Idle.AddLast(slot.OfPeer);
            }
        }
    }

    private Slot? Admit(ConnectionContext connection, IPAddress peer)
    {
        Slot? victim = null;
        Slot? admitted = null;
        lock (_lock)
        {
            if (!_byPeer.TryGetValue(peer, out Pool? mine))
            {
                _byPeer[peer] = mine = new Pool();
            }

            bool full = mine.Count >= perPeer || _all.Count >= total;
            if (full)
            {
                victim = mine.Count >= perPeer ? mine.Victim() : _all.Victim();
                if (victim is not null)
                {
                    ReleaseLocked(victim);
                }
            }

            if (!full || victim is not null)
            {
                admitted = new Slot(this, connection, peer);
                admitted.ShowsMoreBytes();
                mine.Count++;
                _all.Count++;
                mine.Fresh.AddLast(admitted.OfPeer);
                _all.Fresh.AddLast(admitted.Everywhere);
            }
            else if (mine.Count == 0)
            {
                _byPeer.Remove(peer);
            }
        }

        if (victim is not null)
        {
            _flood.Evicted();
            victim.Connection.Abort(new ConnectionAbortedException("Closed to make room for a new connection."));
        }

        return admitted;
    }

    private void Release(Slot slot)
    {
        lock (_lock)
        {
            ReleaseLocked(slot);
        }
    }

    private void ReleaseLocked(Slot slot)
    {
        if (slot.Released)
        {
            return;
        }

        slot.Released = true;
        slot.Everywhere.List?.Remove(slot.Everywhere);
        slot.OfPeer.List?.Remove(slot.OfPeer);
        _all.Count--;
        Pool mine = _byPeer[slot.Peer];
        if (--mine.Count == 0)
        {
            _byPeer.Remove(slot.Peer);
        }
    }

    /// <summary>The connections of one scope (one peer, or all) that could give up their slot, in the order they would.</summary>
    private sealed class Pool
    {
        public int Count;

        /// <summary>Between requests, longest idle first.</summary>
        public readonly LinkedList<Slot> Idle = new();

        /// <summary>Never sent a whole request, oldest first.</summary>
        public readonly LinkedList<Slot> Fresh = new();

        /// <summary>
        /// The idle connection idle longest; else, of those that never sent a request, the one that
        /// has sent the fewest bytes, oldest first, counted by the kernel: under a flood a real
        /// client's request may have arrived but not yet been parsed, and it must not lose its slot
        /// to a connection that sends nothing (or a byte a second).
        /// </summary>
        public Slot? Victim()
        {
            if (Idle.First is { } idle && Stopwatch.GetElapsedTime(idle.Value.IdleSince) >= IdleGrace)
            {
                return idle.Value;
            }

            for (int probe = 0; ; probe++)
            {
                Slot? least = null;
                for (LinkedListNode<Slot>? node = Fresh.First; node is not null; node = node.Next)
                {
                    if (least is null || node.Value.Seen < least.Seen)
                    {
                        least = node.Value;
                    }
                }

                if (least is null || probe == MaxProbes || !least.ShowsMoreBytes())
                {
                    return least ?? Idle.First?.Value;
                }
            }
        }
    }

    private sealed class Slot
    {
        private readonly ConnectionSlots _owner;

        public Slot(ConnectionSlots owner, ConnectionContext connection, IPAddress peer)
        {
            _owner = owner;
            Connection = connection;
            Peer = peer;
            Everywhere = new LinkedListNode<Slot>(this);
            OfPeer = new LinkedListNode<Slot>(this);
        }

        public ConnectionContext Connection { get; }

        /// <summary>The most bytes the client was seen to have sent (see <see cref="SocketProgress"/>).</summary>
        public int Seen { get; private set; }

        /// <summary>Updates <see cref="Seen"/> from the socket; true when it grew.</summary>
        public bool ShowsMoreBytes()
        {
            int received = Connection.Features.Get<IConnectionSocketFeature>() is { } feature ? SocketProgress.BytesReceived(feature.Socket) : 0;
            if (received <= Seen)
            {
                return false;
            }

            Seen = received;
            return true;
        }

        public IPAddress Peer { get; }

        public LinkedListNode<Slot> Everywhere { get; }

        public LinkedListNode<Slot> OfPeer { get; }

        public int Requests { get; set; }

        /// <summary>When its last request's response was sent (a <see cref="Stopwatch"/> timestamp).</summary>
        public long IdleSince { get; set; }

        public bool EverRequested { get; set; }

        public bool Released { get; set; }

        public void ExpireIfNeverRequested()
        {
            bool expired;
            lock (_owner._lock)
            {
                expired = !EverRequested && !Released;
            }

            if (expired)
            {
                _owner._flood.NoRequest();
                Connection.Abort(new ConnectionAbortedException("No request within the first-request deadline."));
            }
        }
    }

    private sealed class RequestEnd(ConnectionSlots owner, Slot slot) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.RequestEnded(slot);
            }
        }
    }
}
