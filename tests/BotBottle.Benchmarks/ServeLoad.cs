using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Benchmarks;

/// <summary><c>tools/list</c> from <c>clients</c> concurrent MCP clients for a while: throughput and latency percentiles.</summary>
internal static class ServeLoad
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""";

    public static async Task<int> RunAsync(string output, Uri url, int clients, double seconds)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        await RunClientsAsync(http, url, clients, TimeSpan.FromSeconds(1), null);
        var latencies = new ConcurrentBag<double>();
        int errors = 0;
        var clock = Stopwatch.StartNew();
        errors += await RunClientsAsync(http, url, clients, TimeSpan.FromSeconds(seconds), latencies);
        double wall = clock.Elapsed.TotalSeconds;
        ResultFile.Write(output, new JsonObject
        {
            ["clients"] = clients,
            ["seconds"] = Math.Round(wall, 2),
            ["requests"] = latencies.Count,
            ["errors"] = errors,
            ["requests_per_second"] = Math.Round(latencies.Count / wall, 1),
            ["latency_ms"] = ResultFile.Percentiles(latencies),
        });
        return errors == 0 ? 0 : 1;
    }

    private static async Task<int> RunClientsAsync(HttpClient http, Uri url, int clients, TimeSpan span, ConcurrentBag<double>? latencies)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(span.TotalSeconds * Stopwatch.Frequency);
        int errors = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                long started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(ToolsList) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
                request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
                using HttpResponseMessage response = await http.SendAsync(request);
                string body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode || !body.Contains("supervise-status", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }

                latencies?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        return errors;
    }
}
