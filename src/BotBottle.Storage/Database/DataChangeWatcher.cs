using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Database;

/// <summary>
/// Tells waiters that the database may have changed, so they re-read their row instead of polling
/// it. One per database file per process, shared by every waiter: a dedicated thread and connection
/// poll <c>PRAGMA data_version</c> (which changes when another connection commits) about every
/// millisecond while anyone waits, more slowly after a quiet spell, and not at all when nobody waits.
/// Writes made through this process signal at once. A wake is only a hint: waiters re-check their
/// row, so a missed or spurious wake costs latency, never correctness.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per database file for the life of the process; its thread parks when nobody waits.")]
internal sealed class DataChangeWatcher
{
    /// <summary>The poll interval while changes are recent.</summary>
    internal static readonly TimeSpan FastInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The poll interval after a quiet spell. Each wake-up of the polling thread costs tens of
    /// microseconds of CPU (mostly the kernel's timer and scheduler), so this is what keeps many idle
    /// waiters under 2% of a core while an answer still arrives within a few milliseconds.
    /// </summary>
    internal static readonly TimeSpan SlowInterval = TimeSpan.FromMilliseconds(4);

    /// <summary>How long after the last change (or new waiter) polling stays fast. Benchmarks shorten it to measure the slow phase.</summary>
    internal static TimeSpan FastWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After an error the watcher retries this much later; waiters' own reads surface the error.</summary>
    private static readonly TimeSpan ErrorInterval = TimeSpan.FromMilliseconds(100);

    private static readonly ConcurrentDictionary<string, DataChangeWatcher> Watchers = new(StringComparer.Ordinal);

    private readonly BotBottleDatabase _database;
    private readonly AutoResetEvent _wake = new(initialState: false);
    private readonly object _gate = new();
    private TaskCompletionSource _changed = NewSignal();
    private int _waiters;
    private int _fastRequested;
    private Thread? _thread;

    private DataChangeWatcher(BotBottleDatabase database) => _database = database;

    /// <summary>How many times the poll loop has read data_version; for tests and benchmarks.</summary>
    internal long Polls;

    /// <summary>The watcher for <paramref name="database"/>'s file, created on first use.</summary>
    public static DataChangeWatcher For(BotBottleDatabase database)
        => Watchers.GetOrAdd(database.Path, static (_, db) => new DataChangeWatcher(db), database);

    /// <summary>Signals the watcher of <paramref name="path"/>, if this process has one: a write here just committed.</summary>
    public static void NotifyLocalWrite(string path)
    {
        if (Watchers.TryGetValue(path, out DataChangeWatcher? watcher))
        {
            watcher.Signal();
        }
    }

    /// <summary>
    /// Completes at the next change after this call. Take it <em>before</em> re-checking the row, so
    /// a change between the check and the wait is not missed.
    /// </summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>Counts a waiter in (the poll loop runs while any are); dispose to count it out.</summary>
    public Lease Register()
    {
        lock (_gate)
        {
            if (++_waiters == 1 && _thread is null)
            {
                _thread = new Thread(PollLoop) { IsBackground = true, Name = "bot-bottle data_version watcher" };
                _thread.Start();
            }
        }

        // A new waiter gets fast polling; a parked loop also needs waking.
        Volatile.Write(ref _fastRequested, 1);
        _wake.Set();
        return new Lease(this);
    }

    private void Unregister()
    {
        lock (_gate)
        {
            _waiters--;
        }
    }

    private void Signal()
    {
        TaskCompletionSource previous = Interlocked.Exchange(ref _changed, NewSignal());
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void PollLoop()
    {
        SqliteConnection? connection = null;
        SqliteCommand? command = null;
        long lastVersion = long.MinValue;
        long fastUntil = 0;
        try
        {
            while (true)
            {
                if (Volatile.Read(ref _waiters) == 0)
                {
                    // Nobody waits: release the connection and sleep until someone does.
                    Release();
                    lastVersion = long.MinValue;
                    // Register sets _fastRequested before waking us, so the next poll starts the fast window.
                    _wake.WaitOne();
                    continue;
                }

                TimeSpan interval;
                try
                {
                    if (command is null)
                    {
                        connection = _database.OpenConnection();
                        command = SqlRegistry.Command(connection, null, DatabaseSql.DataVersion);
                    }

                    long version = (long)command.ExecuteScalar()!;
                    Interlocked.Increment(ref Polls);
                    if (version != lastVersion)
                    {
                        // The first read after (re)opening only sets the baseline, but a change may
                        // have slipped in while no connection watched: waking costs nothing.
                        lastVersion = version;
                        fastUntil = FastFromNow();
                        Signal();
                    }

                    if (Interlocked.Exchange(ref _fastRequested, 0) == 1)
                    {
                        fastUntil = FastFromNow();
                    }

                    interval = Stopwatch.GetTimestamp() < fastUntil ? FastInterval : SlowInterval;
                }
                catch (Exception exception) when (exception is SqliteException or Errors.StorageException or InvalidOperationException)
                {
                    Release();
                    Signal();
                    interval = ErrorInterval;
                }

                // A plain sleep: on Linux it costs about a third less CPU per wake-up than a timed wait on an event.
                Thread.Sleep(interval);
            }
        }
        finally
        {
            Release();
        }

        void Release()
        {
            command?.Dispose();
            connection?.Dispose();
            command = null;
            connection = null;
        }
    }

    private static long FastFromNow() => Stopwatch.GetTimestamp() + (long)(FastWindow.TotalSeconds * Stopwatch.Frequency);

    /// <summary>A registered waiter; disposing it counts the waiter out.</summary>
    internal readonly struct Lease(DataChangeWatcher watcher) : IDisposable
    {
        public void Dispose() => watcher.Unregister();
    }
}
