using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;

namespace BotBottle.Benchmarks;

/// <summary>
/// This process's CPU time while <c>waiters</c> waits sit on proposals nobody answers: during the
/// watcher's fast window right after they start, after it, and once every wait has ended.
/// </summary>
internal static class IdleCpu
{
    public static async Task<int> RunAsync(string output, int waiters, double seconds)
    {
        using var bench = new BenchDatabase();
        var queue = new QueueStore(bench.Database);
        using var stop = new CancellationTokenSource();
        Task[] waits = Enumerable.Range(0, waiters).Select(i =>
        {
            Proposal proposal = Proposal.Create("bench", "git-gate", "x", "idle " + i);
            queue.WriteProposal(proposal);
            return (Task)queue.WaitForResponseAsync(proposal.Id, Timeout.InfiniteTimeSpan, stop.Token);
        }).ToArray();

        DataChangeWatcher watcher = DataChangeWatcher.For(bench.Database);
        await Task.Delay(500);
        JsonObject fast = await MeasureAsync(TimeSpan.FromSeconds(4), watcher);
        await Task.Delay(1000);
        JsonObject slow = await MeasureAsync(TimeSpan.FromSeconds(seconds), watcher);

        await stop.CancelAsync();
        await Task.WhenAll(waits).ContinueWith(static _ => { }, TaskScheduler.Default);
        await Task.Delay(500);
        JsonObject none = await MeasureAsync(TimeSpan.FromSeconds(seconds), watcher);

        ResultFile.Write(output, new JsonObject
        {
            ["waiters"] = waiters,
            ["fast_window"] = fast,
            ["after_fast_window"] = slow,
            ["no_waiters"] = none,
        });
        return 0;
    }

    private static async Task<JsonObject> MeasureAsync(TimeSpan span, DataChangeWatcher watcher)
    {
        using Process self = Process.GetCurrentProcess();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        long pollsBefore = Interlocked.Read(ref watcher.Polls);
        var clock = Stopwatch.StartNew();
        await Task.Delay(span);
        self.Refresh();
        double wall = clock.Elapsed.TotalSeconds;
        return new JsonObject
        {
            ["seconds"] = Math.Round(wall, 2),
            ["cpu_percent_of_one_core"] = Math.Round((self.TotalProcessorTime - cpuBefore).TotalSeconds / wall * 100, 3),
            ["polls_per_second"] = Math.Round((Interlocked.Read(ref watcher.Polls) - pollsBefore) / wall, 1),
        };
    }
}
