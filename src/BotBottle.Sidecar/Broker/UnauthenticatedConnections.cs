using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Sidecar.Connections;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// TCP connections that have not yet shown the token. They get a budget of their own, so that no
/// number of them can push out a connection that has authenticated (those are counted apart, in
/// the broker's unread slots). Past a peer's budget, or the whole budget, one of them is dropped to
/// make room: the one that has sent the fewest bytes, oldest first. A reconnect flood that sends
/// nothing therefore only ever evicts itself, while a real client whose token arrives in pieces
/// (through a relay) has shown progress and stays. Progress is counted by the kernel, read or not
/// (<see cref="SocketProgress"/>): under a flood the reader of a new connection may not have run
/// yet, and a client whose first bytes have arrived must not lose its slot for that. Peers are counted by
/// address, but on Docker Desktop every container arrives from one address, so the order of
/// eviction, not the per-peer budget, is what protects a real client there.
/// </summary>
internal sealed class UnauthenticatedConnections(int perPeer, int total)
{
    /// <summary>How long a connection that has sent nothing keeps its slot at least.</summary>
    public static readonly TimeSpan MinimumTenure = TimeSpan.FromMilliseconds(100);

    /// <summary>How many candidates, at most, are asked for bytes received before one is dropped.</summary>
    private const int MaxProbes = 8;

    private readonly Dictionary<IPAddress, List<Entry>> _byPeer = [];
    private readonly Lock _lock = new();
    private int _count;
    private long _arrivals;

    /// <summary>One connection waiting for its token; <see cref="Received"/> is its progress.</summary>
    internal sealed class Entry
    {
        private int _read;
        private int _seen;

        internal Entry(IPAddress peer, Socket socket, CancellationTokenSource readLimit, long arrival)
        {
            Peer = peer;
            Socket = socket;
            ReadLimit = readLimit;
            Arrival = arrival;
        }

        internal IPAddress Peer { get; }

        /// <summary>When it was accepted (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
        internal long Started { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

        internal Socket Socket { get; }

        internal CancellationTokenSource ReadLimit { get; }

        internal long Arrival { get; }

        /// <summary>Bytes of the token frame received so far.</summary>
        internal int Received => Math.Max(Volatile.Read(ref _read), Volatile.Read(ref _seen));

        /// <summary>Set when this connection was dropped to make room.</summary>
        public bool Evicted { get; internal set; }

        internal bool Removed { get; set; }

        /// <summary>Called by the connection's reader as bytes arrive.</summary>
        public void Progress(int bytes) => Interlocked.Add(ref _read, bytes);

        /// <summary>Whether the client has closed its end without sending anything to read.</summary>
        internal bool ClosedByPeer()
        {
            try
            {
                return Socket.Poll(0, SelectMode.SelectRead) && Socket.Available == 0;
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                return true;
            }
        }

        /// <summary>Counts bytes the kernel has received, read or not, as progress; false when that adds nothing.</summary>
        internal bool ShowsMoreBytes()
        {
            int received = SocketProgress.BytesReceived(Socket);
            if (received <= Received)
            {
                return false;
            }

            Volatile.Write(ref _seen, received);
            return true;
        }
    }

    /// <summary>
    /// Counts a new connection from <paramref name="peer"/>, dropping another first if a budget is
    /// spent; null when every other connection has shown more progress, so the newcomer is the one
    /// to refuse. When the one to drop has sent nothing but is younger than <see cref="MinimumTenure"/>,
    /// this waits until it is not: the listener, which awaits this before accepting again, then
    /// accepts no faster than slots free up, and a flood waits in the kernel's accept queue, where a
    /// real client's first bytes arrive (and count) before it is accepted, instead of churning the slots.
    /// </summary>
    public async ValueTask<Entry?> AddAsync(IPAddress peer, Socket socket, CancellationTokenSource readLimit, CancellationToken stopping)
    {
        var entry = new Entry(peer, socket, readLimit, Interlocked.Increment(ref _arrivals));
        while (true)
        {
            entry.ShowsMoreBytes();
            Entry? victim;
            TimeSpan wait;
            lock (_lock)
            {
                if (!_byPeer.TryGetValue(peer, out List<Entry>? mine))
                {
                    _byPeer[peer] = mine = [];
                }

                if (mine.Count < perPeer && _count < total)
                {
                    mine.Add(entry);
                    _count++;
                    return entry;
                }

                victim = ChooseVictim(mine.Count >= perPeer ? mine : null);
                TimeSpan age = victim is null ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(victim.Started);
                if (victim is null || victim.Received > entry.Received || (victim.Received == 0 && age < MinimumTenure))
                {
                    if (mine.Count == 0)
                    {
                        _byPeer.Remove(peer);
                    }

                    if (victim is null || victim.Received > entry.Received || entry.ClosedByPeer())
                    {
                        // Refused, or gone already (a flood that connects and closes): it waits for nothing.
                        return null;
                    }

                    wait = MinimumTenure - age;
                }
                else
                {
                    victim.Evicted = true;
                    RemoveLocked(victim);
                    mine.Add(entry);
                    _count++;
                    wait = TimeSpan.Zero;
                }
            }

            if (wait == TimeSpan.Zero)
            {
                try
                {
                    victim.ReadLimit.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // It ended on its own meanwhile.
                }

                return entry;
            }

            await Task.Delay(wait, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>The connection authenticated, was refused, or ended: it no longer counts.</summary>
    public void Remove(Entry entry)
    {
        lock (_lock)
        {
            RemoveLocked(entry);
        }
    }

    private void RemoveLocked(Entry entry)
    {
        if (entry.Removed)
        {
            return;
        }

        entry.Removed = true;
        List<Entry> mine = _byPeer[entry.Peer];
        mine.Remove(entry);
        _count--;
        if (mine.Count == 0)
        {
            _byPeer.Remove(entry.Peer);
        }
    }

    /// <summary>
    /// The connection to drop from <paramref name="peerEntries"/> (or from everyone's when null):
    /// the least progress, oldest first, after asking the kernel about the first few candidates
    /// (one that has received more than was known may no longer be the least).
    /// </summary>
    private Entry? ChooseVictim(List<Entry>? peerEntries)
    {
        IEnumerable<List<Entry>> scopes = peerEntries is null ? _byPeer.Values : new[] { peerEntries };
        for (int probe = 0; ; probe++)
        {
            Entry? least = null;
            foreach (List<Entry> entries in scopes)
            {
                foreach (Entry candidate in entries)
                {
                    if (least is null || Before(candidate, least))
                    {
                        least = candidate;
                    }
                }
            }

            if (least is null || probe == MaxProbes || !least.ShowsMoreBytes())
            {
                return least;
            }
        }
    }

    /// <summary>Whether <paramref name="a"/> goes before <paramref name="b"/>: fewer bytes received, then arrived earlier.</summary>
    private static bool Before(Entry a, Entry b)
    {
        int aReceived = a.Received;
        int bReceived = b.Received;
        return aReceived != bReceived ? aReceived < bReceived : a.Arrival < b.Arrival;
    }
}
