using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace BotBottle.Storage.Database;

/// <summary>
/// Fleet mode's change signal: one connection per process LISTENs on the channel the queue's
/// triggers NOTIFY (migration 0001), and every notification from any host wakes the waiters, who
/// re-read. The connection is held only while someone waits. When it drops (a server restart, a
/// network cut) the listener reconnects with backoff and then wakes everyone, since a notification
/// sent while nobody listened is lost; the re-read makes up for it. A safety wake every few seconds
/// covers what no notification reports.
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
    private CancellationTokenSource? _running;
    private int _waiters;

    public PostgresChangeListener(PostgresDatabase database) => _database = database;

    /// <summary>How many times the listening connection was (re)opened, for tests.</summary>
    internal int Connects;

    /// <inheritdoc />
    public Task NextChange => Volatile.Read(ref _changed).Task;

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

    private void Wake() => Interlocked.Exchange(ref _changed, NewSource()).TrySetResult();

    private async Task ListenAsync(CancellationToken stop)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(50);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await _database.OpenListenerConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                Interlocked.Increment(ref Connects);
                backoff = TimeSpan.FromMilliseconds(50);

                // Listening now: whatever happened before (or while disconnected) is re-read.
                Wake();
                while (!stop.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync(SafetyInterval, stop).ConfigureAwait(false))
                    {
                        Wake();
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
                Wake();
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
