using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;

namespace BotBottle.Benchmarks;

/// <summary>
/// <c>tools/list</c> latency on a published <c>serve</c> while many tool calls wait for the operator,
/// over a database with 100,000 rows (most archived, across many bottles) and an operator answering
/// other bottles' proposals all the while, so every waiter is woken again and again.
/// </summary>
internal static class WaitsUnderLoad
{
    private const string Slug = "bench";
    private const int Rows = 100_000;
    private const int OtherBottles = 50;
    private const int OtherPending = 2_000;

    public static async Task<int> RunAsync(string output, string binary, int waits, double seconds)
    {
        using var bench = new BenchDatabase();
        string dbPath = bench.Path;
        string directory = Path.GetDirectoryName(dbPath)!;
        Process? serve = null;
        try
        {
            BotBottleDatabase database = bench.Database;

            // History: answered and archived proposals across many bottles; then some still pending in them.
            bench.AddProposals(Rows - OtherPending, archived: true, "row", static i => $"other-{i % OtherBottles:D2}");
            bench.AddProposals(OtherPending, archived: false, "pending", static i => $"other-{i % OtherBottles:D2}");

            (serve, Uri url) = await StartServeAsync(binary, dbPath, directory);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = waits + 16, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = Timeout.InfiniteTimeSpan };

            // The waits: each its own proposal, each holding an SSE stream open until answered.
            var queue = new QueueStore(database);
            using var stopWaits = new CancellationTokenSource();
            Task[] waiting = Enumerable.Range(0, waits).Select(i => WaitCallAsync(http, url, i, stopWaits.Token)).ToArray();
            var ready = Stopwatch.StartNew();
            while (queue.ListPendingProposals(Slug).Count < waits)
            {
                if (ready.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"only {queue.ListPendingProposals(Slug).Count} of {waits} waits became pending");
                }

                await Task.Delay(50);
            }

            // The operator answers other bottles' proposals throughout: every answer is a commit that wakes the waiters.
            using var stopChurn = new CancellationTokenSource();
            int answered = 0;
            Task churn = Task.Run(async () =>
            {
                var decisions = new OperatorDecisions(database);
                foreach (Proposal proposal in queue.ListPendingProposals().Where(static p => p.BottleSlug != Slug))
                {
                    if (stopChurn.IsCancellationRequested)
                    {
                        break;
                    }

                    decisions.Decide(proposal.Id, ResponseStatus.Approved, "ok");
                    answered++;
                    await Task.Delay(20);
                }
            });

            var latencies = new ConcurrentBag<double>();
            int errors = 0;
            long deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            {
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    long started = Stopwatch.GetTimestamp();
                    string body = await PostAsync(http, url, """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", CancellationToken.None);
                    if (!body.Contains("supervise-status", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref errors);
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    await Task.Delay(10);
                }
            }));
            await stopChurn.CancelAsync();
            await churn;

            // Then answer every waiting call and time how long until the last one has its decision.
            var drain = Stopwatch.StartNew();
            var decider = new OperatorDecisions(database);
            foreach (Proposal proposal in queue.ListPendingProposals(Slug))
            {
                decider.Decide(proposal.Id, ResponseStatus.Approved, "ok");
            }

            bool drained = Task.WaitAll(waiting, TimeSpan.FromSeconds(60));
            double drainMs = drain.Elapsed.TotalMilliseconds;
            await stopWaits.CancelAsync();

            ResultFile.Write(output, new JsonObject
            {
                ["rows"] = Count(dbPath, "supervise_proposals"),
                ["waits"] = waits,
                ["operator_answers_during"] = answered,
                ["seconds"] = seconds,
                ["errors"] = errors,
                ["tools_list_ms"] = ResultFile.Percentiles(latencies),
                ["drain_all_waits_ms"] = drained ? Math.Round(drainMs, 1) : null,
            });
            return errors == 0 && drained ? 0 : 1;
        }
        finally
        {
            if (serve is not null && !serve.HasExited)
            {
                serve.Kill();
                serve.WaitForExit();
            }
        }
    }

    private static async Task<(Process Serve, Uri Url)> StartServeAsync(string binary, string dbPath, string directory)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "serve", "--db", dbPath, "--slug", Slug, "--listen", "127.0.0.1:0", "--current-config", directory, "--progress-interval", "10" })
        {
            start.ArgumentList.Add(arg);
        }

        Process serve = Process.Start(start)!;
        while (await serve.StandardError.ReadLineAsync() is { } line)
        {
            if (line.Contains("\"listening\"", StringComparison.Ordinal))
            {
                string address = ((string)JsonNode.Parse(line)!["addresses"]!).Split(' ')[0];
                _ = serve.StandardError.ReadToEndAsync();
                return (serve, new Uri(address + "/mcp"));
            }
        }

        throw new InvalidOperationException("serve exited before listening");
    }

    private static async Task WaitCallAsync(HttpClient http, Uri url, int index, CancellationToken cancellationToken)
    {
        string arguments = $$"""{"proposed_file":"w{{index}}.example.com\n","justification":"load test wait {{index}}"}""";
        string call = $$"""{"jsonrpc":"2.0","id":{{index}},"method":"tools/call","params":{"name":"pipelock-block","arguments":""" + arguments + "}}";
        try
        {
            await PostAsync(http, url, call, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<string> PostAsync(HttpClient http, Uri url, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        using HttpResponseMessage response = await http.SendAsync(request, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static long Count(string dbPath, string table)
    {
        using var connection = new SqliteConnection($"Data Source={dbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM " + table;
        return (long)command.ExecuteScalar()!;
    }
}
