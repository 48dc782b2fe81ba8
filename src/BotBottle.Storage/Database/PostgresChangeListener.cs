using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace BotBottle.Storage.Database;

/// <summary>
/// Fleet mode's change signal: one connection per process LISTENs on the channel the queue's
/// triggers NOTIFY (migration 0001). A notification names a proposal: it wakes that proposal's
/// waiters and the watches (which follow every proposal), who re-read. The connection is held only while someone waits. When it drops (a server restart, a
/// network cut) the listener reconnects with backoff and then wakes everyone, since a notification
/// sent while nobody listened is lost; the re-read makes up for it. A safety wake every few seconds
/// (timed, however busy the channel) covers what no notification reports.
/// </summary>
internal sealed class PostgresChangeListener : IChangeSignal, IDisposable
{
    /// <summary>The channel migration 0001's triggers notify.</summary>
    public const string Channel = "bot_bottle_queue";

    internal static readonly TimeSpan SafetyInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly PostgresDatabase _database;
    private readonly object _gate = new();
    private TaskCompletionSource _changed = NewSource();

    // One source per proposal someone waits on; a notification completes and removes its own, a
    // wake-everyone all of them (which also drops those whose waiters left).
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _byProposal = new(StringComparer.Ordinal);
    private CancellationTokenSource? _running;
    private int _waiters;

    public PostgresChangeListener(PostgresDatabase database) => _database = database;

    /// <summary>How many times the listening connection was (re)opened, for tests.</summary>
    internal int Connects;

    /// <summary>How many times every waiter was woken for a reason no notification names (connects, drops, safety wakes), for tests.</summary>
    internal int EveryoneWakes;

    /// <inheritdoc />
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <inheritdoc />
    public Task NextChangeTo(string proposalId) => _byProposal.GetOrAdd(proposalId, static _ => NewSource()).Task;

    /// <inheritdoc />
    public IDisposable Register()
    {
        lock (_gate)
        {
            if (_waiters++ == 0)
            {
                _running = new CancellationTokenSource();
                CancellationToken stop = _running.Token;
                _ = Task.Run(() => ListenAsync(stop));
            }
        }

        return new Lease(this);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _running?.Cancel();
            _running?.Dispose();
            _running = null;
        }
    }

    private void Unregister()
    {
        lock (_gate)
        {
            if (--_waiters == 0)
            {
                _running?.Cancel();
                _running?.Dispose();
                _running = null;
            }
        }
    }

    private void WakeWatches() => Interlocked.Exchange(ref _changed, NewSource()).TrySetResult();

    private void WakeProposal(string proposalId)
    {
        WakeWatches();
        if (_byProposal.TryRemove(proposalId, out TaskCompletionSource? waiters))
        {
            waiters.TrySetResult();
        }
    }

    /// <summary>For what no notification reports (a reconnect, the safety interval): everyone re-reads.</summary>
    private void WakeEveryone()
    {
        WakeWatches();
        foreach (string proposalId in _byProposal.Keys)
        {
            if (_byProposal.TryRemove(proposalId, out TaskCompletionSource? waiters))
            {
                waiters.TrySetResult();
            }
        }
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(50);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await _database.OpenListenerConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, notification) => WakeProposal(notification.Payload);
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                Interlocked.Increment(ref Connects);
                backoff = TimeSpan.FromMilliseconds(50);

                // Listening now: whatever happened before (or while disconnected) is re-read.
                Interlocked.Increment(ref EveryoneWakes);
                WakeEveryone();
                long nextSafetyWake = Environment.TickCount64 + (long)SafetyInterval.TotalMilliseconds;
                while (!stop.IsCancellationRequested)
                {
                    // Timed, not idle-based: a busy channel must not postpone the safety wake (nor
                    // keep the sources of waiters that left without an answer).
                    TimeSpan untilSafetyWake = TimeSpan.FromMilliseconds(Math.Max(1, nextSafetyWake - Environment.TickCount64));
                    await connection.WaitAsync(untilSafetyWake, stop).ConfigureAwait(false);
                    if (Environment.TickCount64 >= nextSafetyWake)
                    {
                        Interlocked.Increment(ref EveryoneWakes);
                        WakeEveryone();
                        nextSafetyWake = Environment.TickCount64 + (long)SafetyInterval.TotalMilliseconds;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or System.IO.IOException or TimeoutException or InvalidOperationException or Errors.StorageException)
            {
                // Down: wake the waiters (they re-read, and report the error if reads fail too), then retry.
                Interlocked.Increment(ref EveryoneWakes);
                WakeEveryone();
                try
                {
                    await Task.Delay(backoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Lease(PostgresChangeListener listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                listener.Unregister();
            }
        }
    }
}
