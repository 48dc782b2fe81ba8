using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class DataChangeWatcherTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _database;

    public DataChangeWatcherTests() => _database = _temp.OpenHost();

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

        new QueueStore(_database).WriteProposal(Proposal.Create("bottle-a", "git-gate", "x", "j"));

        Assert.True(next.IsCompleted);
    }

    [Fact]
    public async Task NextChange_completes_when_another_process_commits_while_a_waiter_is_registered()
    {
        var queue = new QueueStore(_database);
        Proposal proposal = Proposal.Create("bottle-a", "git-gate", "x", "j");
        queue.WriteProposal(proposal);
        DataChangeWatcher watcher = DataChangeWatcher.For(_database);
        using DataChangeWatcher.Lease lease = watcher.Register();
        WaitUntil(() => Interlocked.Read(ref watcher.Polls) > 2, "the watcher never polled");
        Task next = watcher.NextChange;

        using Process responder = TestProcess.Start("respond", _temp.Path, proposal.Id, "approved", "0");
        (int exitCode, string output, string error) = TestProcess.Finish(responder, TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, output + error);
        await next.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Polling_stops_when_the_last_waiter_leaves()
    {
        DataChangeWatcher watcher = DataChangeWatcher.For(_database);
        using (watcher.Register())
        {
            WaitUntil(() => Interlocked.Read(ref watcher.Polls) > 2, "the watcher never polled");
        }

        Thread.Sleep(50);
        long settled = Interlocked.Read(ref watcher.Polls);
        Thread.Sleep(300);

        Assert.Equal(settled, Interlocked.Read(ref watcher.Polls));
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
