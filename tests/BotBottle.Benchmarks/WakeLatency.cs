using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;

namespace BotBottle.Benchmarks;

/// <summary>
/// From another process's commit of a response to <c>WaitForResponseAsync</c> returning here. The
/// answering process prints its monotonic clock just before it writes the response, so the figure
/// includes the commit itself and never runs ahead of it (a stamp taken after the write returns
/// can come late when the writer is descheduled after its commit is already visible). Both
/// processes read the same CLOCK_MONOTONIC through <see cref="Stopwatch"/>.
/// </summary>
internal static class WakeLatency
{
    private const int Warmup = 20;

    /// <param name="output">The JSON result file.</param>
    /// <param name="rounds">Answers to time.</param>
    /// <param name="late">Answer after the watcher's settle window has passed, when it is blocked on inotify, as it is when an operator answers minutes later.</param>
    public static async Task<int> RunAsync(string output, int rounds, bool late)
    {
        using var bench = new BenchDatabase();
        var queue = new QueueStore(bench.Database);
        using Process answerer = Process.Start(ResultFile.Self("answer-loop", bench.Path))!;
        var latencies = new List<double>();
        var random = new Random(1);
        for (int round = 0; round < Warmup + rounds; round++)
        {
            Proposal proposal = Proposal.Create("bench", "git-gate", "x", "wake " + round.ToString(CultureInfo.InvariantCulture));
            queue.WriteProposal(proposal);
            Task<Response?> wait = queue.WaitForResponseAsync(proposal.Id, TimeSpan.FromSeconds(30));

            // Let the waiter settle into its wait, as a real one has long before the operator answers.
            await Task.Delay(late ? random.Next(150, 250) : random.Next(3, 15));
            await answerer.StandardInput.WriteLineAsync(proposal.Id);
            await answerer.StandardInput.FlushAsync();
            Response? response = await wait;
            long returned = Stopwatch.GetTimestamp();
            long committed = long.Parse((await answerer.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
            if (response is null)
            {
                throw new InvalidOperationException("the wait timed out");
            }

            if (round >= Warmup)
            {
                latencies.Add((returned - committed) * 1000.0 / Stopwatch.Frequency);
            }
        }

        answerer.StandardInput.Close();
        await answerer.WaitForExitAsync();
        ResultFile.Write(output, new JsonObject { ["wake_ms"] = ResultFile.Percentiles(latencies) });
        return 0;
    }

    /// <summary>The other process: answers each proposal id read from stdin and prints the clock taken just before its write.</summary>
    public static int AnswerLoop(string path)
    {
        var queue = new QueueStore(BotBottleDatabase.OpenHost(path, migrate: false));
        while (Console.ReadLine() is { } id)
        {
            var response = new Response(id, ResponseStatus.Approved, "ok", null, Archived: false);
            long writing = Stopwatch.GetTimestamp();
            queue.WriteResponse(response);
            Console.WriteLine(writing.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
        }

        return 0;
    }
}
