using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class DataChangeWatcherTests : IDisposable
{
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _database;
    private readonly Proposal _proposal = Proposal.Create("bottle-a", "git-gate", "x", "j");

    public DataChangeWatcherTests()
    {
        _database = _temp.OpenHost();
        new QueueStore(_database).WriteProposal(_proposal);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void For_returns_one_watcher_per_database_file_in_the_process()
    {
        BotBottleDatabase second = _temp.OpenHost();

        Assert.Same(DataChangeWatcher.For(_database), DataChangeWatcher.For(second));
    }

    [Fact]
    public void NextChange_completes_when_this_process_commits_a_write()
    {
        DataChangeWatcher watcher = DataChangeWatcher.For(_database);
        Task next = watcher.NextChange;
        Assert.False(next.IsCompleted);

        new QueueStore(_database).WriteProposal(Proposal.Create("bottle-a", "git-gate", "x", "another"));

        Assert.True(next.IsCompleted);
    }

    [Theory]
    [InlineData("dnotify")]
    [InlineData("inotify")]
    public async Task Another_process_commit_wakes_a_waiter_through_notifications_with_no_polling_while_idle(string mechanism)
    {
        using DataChangeWatcher.Lease lease = RegisterThrough(mechanism, Never, out DataChangeWatcher watcher); // only a notification can wake it

        // Opening connections can touch the WAL once (a settle window of 1 ms reads follows); after that, silence.
        long before = Quiet(watcher);
        Thread.Sleep(1000);
        Assert.Equal(before, Interlocked.Read(ref watcher.Polls));

        Task next = watcher.NextChange;
        Respond(TestProcess.Start("respond", _temp.Path, _proposal.Id, "approved", "0"));
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("dnotify")]
    [InlineData("inotify")]
    public async Task A_commit_through_another_mount_of_the_directory_wakes_the_waiter(string mechanism)
    {
        string mountPoint = Directory.CreateTempSubdirectory("bb-other-mount-").FullName;
        try
        {
            using DataChangeWatcher.Lease lease = RegisterThrough(mechanism, Never, out DataChangeWatcher watcher);
            Task next = watcher.NextChange;

            // The answer comes from a process that sees the database directory at another path, as a container does.
            string dbDirectory = Path.GetDirectoryName(_temp.Path)!;
            Respond(TestProcess.StartThroughBindMount(dbDirectory, mountPoint, "respond", Path.Combine(mountPoint, "bot-bottle.db"), _proposal.Id, "approved", "0"));

            await next.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Directory.Delete(mountPoint);
        }
    }

    [Theory]
    [InlineData("dnotify")]
    [InlineData("inotify")]
    public async Task Waiters_are_woken_when_the_watched_directory_is_moved_away_though_nothing_was_committed(string mechanism)
    {
        // dnotify sees its directory go at the next recheck.
        using DataChangeWatcher.Lease lease = RegisterThrough(mechanism, TimeSpan.FromMilliseconds(200), out DataChangeWatcher watcher);
        // The second read is past the first's wake (the baseline counts as a change).
        WaitUntil(() => Interlocked.Read(ref watcher.Polls) >= 2, "the watcher never read data_version twice");
        Task next = watcher.NextChange;

        string directory = Path.GetDirectoryName(_temp.Path)!;
        Directory.Move(directory, directory + "-moved");
        try
        {
            await next.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Directory.Move(directory + "-moved", directory);
        }
    }

    [Fact]
    public void Finding_the_wait_mode_leaves_the_calling_threads_signal_mask_as_it_was()
    {
        // dnotify's signal is blocked on the thread that watches; a probe from a thread the caller
        // goes on using (a host's Python thread, through the library) must not leave it blocked.
        string before = SignalMask();

        Assert.Equal("dnotify", WaitMode.For(_temp.Path).Name);

        Assert.Equal(before, SignalMask());

        static string SignalMask() => Array.Find(File.ReadAllLines("/proc/thread-self/status"), static l => l.StartsWith("SigBlk:", StringComparison.Ordinal))!;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_lost_notification_is_caught_by_the_periodic_recheck_and_only_by_it(bool recheck)
    {
        DataChangeWatcher watcher = DataChangeWatcher.For(_database);
        watcher.IgnoreNotifications = true; // every notification is lost
        watcher.SafetyInterval = recheck ? TimeSpan.FromMilliseconds(300) : Never;
        using DataChangeWatcher.Lease lease = watcher.Register();
        WaitUntil(() => Interlocked.Read(ref watcher.Polls) >= 1, "the watcher never read its baseline");
        Task next = watcher.NextChange;

        Respond(TestProcess.Start("respond", _temp.Path, _proposal.Id, "approved", "0"));

        if (recheck)
        {
            await next.WaitAsync(TimeSpan.FromSeconds(10));
        }
        else
        {
            await Assert.ThrowsAsync<TimeoutException>(() => next.WaitAsync(TimeSpan.FromSeconds(1)));
        }
    }

    [Fact]
    public async Task Without_notifications_it_polls_and_backs_off_to_100_ms_when_idle()
    {
        DataChangeWatcher watcher = DataChangeWatcher.For(_database);
        watcher.DisableNotifications = true;
        using DataChangeWatcher.Lease lease = watcher.Register();
        WaitUntil(() => Interlocked.Read(ref watcher.Polls) >= 1, "the watcher never read its baseline");
        Assert.Equal("polling", watcher.Mode!.Name);

        Thread.Sleep(300); // past the backoff
        long before = Interlocked.Read(ref watcher.Polls);
        Thread.Sleep(1000);
        long idlePolls = Interlocked.Read(ref watcher.Polls) - before;
        Assert.InRange(idlePolls, 3, 15); // every 100 ms when idle: not 1 ms, and not never

        Task next = watcher.NextChange;
        Respond(TestProcess.Start("respond", _temp.Path, _proposal.Id, "approved", "0"));
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_loop_stops_reading_when_the_last_waiter_leaves()
    {
        DataChangeWatcher watcher = DataChangeWatcher.For(_database);
        watcher.DisableNotifications = true;
        using (watcher.Register())
        {
            WaitUntil(() => Interlocked.Read(ref watcher.Polls) > 2, "the watcher never polled");
        }

        Thread.Sleep(300);
        long settled = Interlocked.Read(ref watcher.Polls);
        Thread.Sleep(500);

        Assert.Equal(settled, Interlocked.Read(ref watcher.Polls));
    }

    /// <summary>A waiter on a watcher woken by <paramref name="mechanism"/>, its baseline read.</summary>
    private DataChangeWatcher.Lease RegisterThrough(string mechanism, TimeSpan safetyInterval, out DataChangeWatcher watcher)
    {
        DataChangeWatcher registered = DataChangeWatcher.For(_database);
        registered.InotifyOnly = mechanism == "inotify";
        registered.SafetyInterval = safetyInterval;
        DataChangeWatcher.Lease lease = registered.Register();
        WaitUntil(() => Interlocked.Read(ref registered.Polls) >= 1, "the watcher never read its baseline");
        Assert.Equal(mechanism, registered.Mode!.Name);
        watcher = registered;
        return lease;
    }

    private static void Respond(Process responder)
    {
        using (responder)
        {
            (int exitCode, string output, string error) = TestProcess.Finish(responder, TimeSpan.FromSeconds(30));
            Assert.True(exitCode == 0, output + error);
        }
    }

    /// <summary>Waits until the watcher has not read data_version for 300 ms, and returns its count.</summary>
    private static long Quiet(DataChangeWatcher watcher)
    {
        var clock = Stopwatch.StartNew();
        long polls = Interlocked.Read(ref watcher.Polls);
        while (true)
        {
            Thread.Sleep(300);
            long now = Interlocked.Read(ref watcher.Polls);
            if (now == polls)
            {
                return now;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the watcher kept reading data_version with nothing written");
            polls = now;
        }
    }

    private static void WaitUntil(Func<bool> condition, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), failure);
            Thread.Sleep(5);
        }
    }
}
