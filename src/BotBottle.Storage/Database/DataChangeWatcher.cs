using System.Data.Common;
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
/// it. One per database file per process, shared by every waiter. While anyone waits, a dedicated
/// thread blocks on dnotify or inotify (<see cref="DirectoryNotifications"/>) for writes to the
/// database's <c>-wal</c> (by any process, through any mount of the directory) and then reads
/// <c>PRAGMA data_version</c>, which changes when another connection commits; nobody waiting, it
/// parks. Without notifications (not Linux, or neither available) it polls, backing off to <see cref="PollIdleInterval"/>. Writes made through this
/// process signal at once. A wake is only a hint: waiters re-check their row, so a missed or
/// spurious wake costs latency, never correctness.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per database file for the life of the process; its thread parks when nobody waits.")]
internal sealed class DataChangeWatcher : IChangeSignal
{
    /// <summary>
    /// How long after a write event data_version is polled every millisecond: SQLite writes the WAL
    /// frames (the events) before it publishes the commit in the shared-memory index (no event), so
    /// the first read after an event can come too early.
    /// </summary>
    internal static readonly TimeSpan SettleWindow = TimeSpan.FromMilliseconds(100);

    internal static readonly TimeSpan SettleInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// For this long after an event data_version is read back to back (yielding the core in
    /// between) rather than once a millisecond: the writer publishes its commit a few hundred
    /// microseconds after its first WAL write, and a sleep would add up to a millisecond to every wake.
    /// </summary>
    internal static readonly TimeSpan SettleSpin = TimeSpan.FromMicroseconds(500);

    /// <summary>
    /// With notifications, data_version is still read this often while anyone waits, so a lost
    /// notification (or a commit published after the settle window) costs at most this much latency.
    /// </summary>
    internal static readonly TimeSpan DefaultSafetyInterval = TimeSpan.FromSeconds(5);

    /// <summary>Polling without notifications: the first interval after a change or a new waiter; it doubles up to <see cref="PollIdleInterval"/>.</summary>
    internal static readonly TimeSpan PollFastInterval = TimeSpan.FromMilliseconds(1);

    internal static readonly TimeSpan PollIdleInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// <c>BOTBOTTLE_CHANGE_NOTIFICATIONS=off</c> makes waits poll: the escape hatch for a filesystem
    /// whose writes do not reach the kernel's notifications.
    /// </summary>
    internal static readonly bool NotificationsOffByEnvironment
        = string.Equals(Environment.GetEnvironmentVariable("BOTBOTTLE_CHANGE_NOTIFICATIONS"), "off", StringComparison.Ordinal);

    /// <summary><c>BOTBOTTLE_CHANGE_NOTIFICATIONS=inotify</c> skips dnotify, should a kernel's dnotify misbehave.</summary>
    internal static readonly bool InotifyOnlyByEnvironment
        = string.Equals(Environment.GetEnvironmentVariable("BOTBOTTLE_CHANGE_NOTIFICATIONS"), "inotify", StringComparison.Ordinal);

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
    private WaitMode? _mode;

    private DataChangeWatcher(BotBottleDatabase database) => _database = database;

    /// <inheritdoc cref="DefaultSafetyInterval"/>
    internal TimeSpan SafetyInterval { get; set; } = DefaultSafetyInterval;

    /// <summary>Tests: drain notifications but act as if none arrived, as if they were lost.</summary>
    internal bool IgnoreNotifications { get; set; }

    /// <summary>Tests: poll instead of opening notifications (set before the first waiter).</summary>
    internal bool DisableNotifications { get; set; } = NotificationsOffByEnvironment;

    /// <summary>Tests: use inotify, the fallback, rather than dnotify (set before the first waiter).</summary>
    internal bool InotifyOnly { get; set; } = InotifyOnlyByEnvironment;

    /// <summary>How many times the loop has read data_version; for tests and benchmarks.</summary>
    internal long Polls;

    /// <summary>How waits learn of changes, once the watcher has run; null before anyone waited.</summary>
    public WaitMode? Mode => Volatile.Read(ref _mode);

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

    /// <summary>What a wait on <paramref name="databasePath"/> would use, found by opening (and closing) a watch.</summary>
    public static WaitMode Probe(string databasePath)
    {
        using DirectoryNotifications? notifications = OpenNotifications(databasePath, NotificationsOffByEnvironment, InotifyOnlyByEnvironment, out WaitMode mode);
        return mode;
    }

    private static DirectoryNotifications? OpenNotifications(string databasePath, bool disabled, bool inotifyOnly, out WaitMode mode)
    {
        string? problem = "BOTBOTTLE_CHANGE_NOTIFICATIONS=off";
        DirectoryNotifications? notifications = disabled ? null : DirectoryNotifications.TryOpen(databasePath, inotifyOnly, out problem);
        mode = notifications is null ? WaitMode.Polling(problem!) : WaitMode.Notifications(notifications.Name, databasePath);
        return notifications;
    }

    /// <summary>
    /// Completes at the next change after this call. Take it <em>before</em> re-checking the row, so
    /// a change between the check and the wait is not missed.
    /// </summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <inheritdoc />
    IDisposable IChangeSignal.Register() => Register();

    /// <inheritdoc />
    Task IChangeSignal.NextChangeTo(string proposalId) => NextChange;

    /// <summary>Counts a waiter in (the loop runs while any are); dispose to count it out.</summary>
    public Lease Register()
    {
        lock (_gate)
        {
            if (++_waiters == 1 && _thread is null)
            {
                _thread = new Thread(WatchLoop) { IsBackground = true, Name = "bot-bottle change watcher" };
                _thread.Start();
            }
        }

        // A polling loop goes fast for a new waiter; a parked loop needs waking.
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

    private void WatchLoop()
    {
        SqliteConnection? connection = null;
        DbCommand? command = null;
        DirectoryNotifications? notifications = null;
        bool notificationsTried = false;
        long lastVersion = long.MinValue;
        long settleUntil = 0;
        long spinUntil = 0;
        TimeSpan pollInterval = PollFastInterval;
        try
        {
            while (true)
            {
                if (Volatile.Read(ref _waiters) == 0)
                {
                    // Nobody waits: release the connection and the watch, and sleep until someone does.
                    Release();
                    lastVersion = long.MinValue;
                    _wake.WaitOne();
                    continue;
                }

                bool changed;
                try
                {
                    if (!notificationsTried)
                    {
                        // The watch exists before the first data_version read, so no commit falls between them.
                        notificationsTried = true;
                        notifications = OpenNotifications(_database.Path, DisableNotifications, InotifyOnly, out WaitMode mode);
                        Volatile.Write(ref _mode, mode);
                    }

                    if (command is null)
                    {
                        connection = _database.OpenConnection();
                        command = SqlRegistry.Command(connection, null, DatabaseSql.DataVersion);
                    }

                    long version = (long)command.ExecuteScalar()!;
                    Interlocked.Increment(ref Polls);

                    // The first read after (re)opening only sets the baseline, but a change may have
                    // slipped in while no connection watched: waking costs nothing.
                    changed = version != lastVersion;
                    lastVersion = version;
                }
                catch (Exception exception) when (exception is SqliteException or Errors.StorageException or InvalidOperationException)
                {
                    ReleaseConnection();
                    Signal();
                    Thread.Sleep(ErrorInterval);
                    continue;
                }

                if (changed)
                {
                    spinUntil = 0;
                    settleUntil = 0;
                    Signal();
                }

                if (notifications is not null)
                {
                    long now = Stopwatch.GetTimestamp();
                    if (now < spinUntil)
                    {
                        Thread.Yield();
                    }
                    else if (now < settleUntil)
                    {
                        Thread.Sleep(SettleInterval);
                    }
                    else if (WaitForWrite(notifications))
                    {
                        long woke = Stopwatch.GetTimestamp();
                        settleUntil = woke + (long)(SettleWindow.TotalSeconds * Stopwatch.Frequency);
                        spinUntil = woke + (long)(SettleSpin.TotalSeconds * Stopwatch.Frequency);
                    }

                    if (notifications.WatchLost)
                    {
                        // The directory was removed or replaced: everyone waiting re-reads now, and
                        // the loop watches whatever is there.
                        Signal();
                        notifications.Dispose();
                        notifications = null;
                        notificationsTried = false;
                    }
                }
                else
                {
                    pollInterval = changed || Interlocked.Exchange(ref _fastRequested, 0) == 1
                        ? PollFastInterval
                        : TimeSpan.FromTicks(Math.Min(pollInterval.Ticks * 2, PollIdleInterval.Ticks));
                    Thread.Sleep(pollInterval);
                }
            }
        }
        finally
        {
            Release();
        }

        void ReleaseConnection()
        {
            command?.Dispose();
            connection?.Dispose();
            command = null;
            connection = null;
        }

        void Release()
        {
            ReleaseConnection();
            notifications?.Dispose();
            notifications = null;
            notificationsTried = false;
        }
    }

    /// <summary>
    /// Blocks until a write to the WAL (true) or until the recheck is due (false); also returns false
    /// early when the watch is lost or nobody waits any more.
    /// </summary>
    private bool WaitForWrite(DirectoryNotifications notifications)
    {
        long recheckAt = Stopwatch.GetTimestamp() + (long)(SafetyInterval.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            long remainingMs = (recheckAt - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (remainingMs <= 0)
            {
                return false;
            }

            if (notifications.Wait((int)Math.Min(remainingMs, int.MaxValue)) && !IgnoreNotifications)
            {
                return true;
            }

            if (notifications.WatchLost || Volatile.Read(ref _waiters) == 0)
            {
                return false;
            }
        }
    }

    /// <summary>A registered waiter; disposing it counts the waiter out.</summary>
    internal readonly struct Lease(DataChangeWatcher watcher) : IDisposable
    {
        public void Dispose() => watcher.Unregister();
    }
}
