using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Tests.Fuzzing;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// 10,000 generated malformed requests at /mcp: no 5xx, no hang, the server survives, and the only
/// rows written are the proposals the server accepted.
/// </summary>
// 10,000 processes or requests: run against the native binary only (build/test.sh leaves them out under emulation).
[Trait("Category", "Fuzz")]
public sealed class McpFuzzTests : RunningServe
{
    private const int Requests = 10_000;

    /// <summary>serve's default body limit: 4 × (256 KiB file + 8 KiB justification) + 64 KiB.</summary>
    private const int MaxBodyBytes = (4 * ((256 * 1024) + (8 * 1024))) + (64 * 1024);

    private static readonly string[] Templates =
    [
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}""",
        """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""",
        """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"pipelock-block","arguments":{"proposed_file":"a.example\n","justification":"fuzz","wait":false}}}""",
        """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"cred-proxy-block","arguments":{"proposed_file":"{\"routes\":[]}","justification":"fuzz","wait":false}}}""",
        """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"capability-block","arguments":{"proposed_file":"FROM debian\n","justification":"fuzz","wait":false}}}""",
        """{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"supervise-status","arguments":{"proposal_id":"abc","wait_seconds":0}}}""",
        """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
        """{"jsonrpc":"2.0","id":7,"method":"ping"}""",
    ];

    [Fact]
    public Task Ten_thousand_malformed_requests_cause_no_5xx_no_hang_and_no_unaccepted_write()
    {
        FuzzSeed seed = FuzzSeed.For(5, "BotBottle.Sidecar.Tests", GetType());
        return seed.CheckAsync(() => SendMalformedRequestsAsync(seed));
    }

    private async Task SendMalformedRequestsAsync(FuzzSeed seed)
    {
        var accepted = new ConcurrentDictionary<string, bool>();
        var serverErrors = new ConcurrentBag<string>();
        int next = -1;
        // Idle connections leave the pool well before serve's 60 s keep-alive ends them, as a careful
        // client's do, so a request never races the server's close of an idle connection.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20) }) { Timeout = TimeSpan.FromSeconds(15) };

        async Task Worker()
        {
            for (int index = Interlocked.Increment(ref next); index < Requests; index = Interlocked.Increment(ref next))
            {
                (string body, string accept, string contentType, string? version) = Generate(seed.ForCase(index));
                HttpResponseMessage? response = null;
                string text = string.Empty;
                Exception? failure = null;

                // No retry: serve reads the body of every request it refuses (up to 4 MiB past the size
                // limit) and says "Connection: close" when it leaves one unread, so no connection drops
                // under a client.
                using var request = new HttpRequestMessage(HttpMethod.Post, Serve.McpUrl) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                request.Headers.TryAddWithoutValidation("Accept", accept);
                if (version is not null)
                {
                    request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", version);
                }

                try
                {
                    response = await http.SendAsync(request);
                    text = await response.Content.ReadAsStringAsync();
                }
                catch (HttpRequestException exception)
                {
                    response?.Dispose();
                    response = null;
                    failure = exception;
                }

                string what = $"case {index} (Accept '{accept}', Content-Type '{contentType}', MCP-Protocol-Version '{version}', {Encoding.UTF8.GetByteCount(body)} bytes: {body[..Math.Min(body.Length, 200)]})";
                if (response is null)
                {
                    // serve reads a refused body up to 4 MiB past its limit, so that its client reads
                    // the refusal; only a larger body may end in a reset (the generator makes none).
                    if (Encoding.UTF8.GetByteCount(body) <= MaxBodyBytes + (4 * 1024 * 1024))
                    {
                        serverErrors.Add($"{Chain(failure)} for {what}");
                    }

                    continue;
                }

                using HttpResponseMessage disposeResponse = response;
                if ((int)response.StatusCode >= 500)
                {
                    serverErrors.Add($"{(int)response.StatusCode} for {what}");
                }

                foreach (string id in AcceptedProposalIds(text))
                {
                    accepted[id] = true;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)));

        string[] handlerErrors = Serve.Log.Where(static line => (string?)line["event"] == "error").Select(static line => line.ToJsonString()).ToArray();
        Assert.True(serverErrors.IsEmpty, $"{serverErrors.Count} server failures, e.g.:\n" + string.Join("\n", serverErrors.Take(3)) + "\nserve's errors: " + string.Join("\n", handlerErrors.Take(3)));
        Assert.True(handlerErrors.Length == 0, $"serve logged {handlerErrors.Length} handler errors, e.g.:\n" + string.Join("\n", handlerErrors.Take(3)));
        using HttpResponseMessage health = await http.GetAsync(new Uri(Serve.BaseUrl, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(Serve.Process.HasExited);
        Assert.Equal(accepted.Count, Home.Count("supervise_proposals"));

        // Whatever got in, the operator's views show no terminal control raw.
        foreach (string[] view in new[] { new[] { "queue", "pending" }, ["queue", "pending", "--json"], ["audit", "list"] })
        {
            CommandResult shown = Home.Host(view);
            Assert.True(shown.ExitCode == 0, shown.ToString());
            HostileText.AssertNothingRaw(shown.Output + shown.Error);
        }

        foreach (string id in accepted.Keys.Take(50))
        {
            HostileText.AssertNothingRaw(Home.Host("queue", "show", id).Output);
        }
        Assert.Equal(0, Home.Count("supervise_responses"));
        Assert.Equal(0, Home.Count("supervise_audit_entries"));
    }

    /// <summary>An exception and every exception inside it, one message after another.</summary>
    private static string Chain(Exception? failure)
    {
        var messages = new List<string>();
        for (Exception? current = failure; current is not null; current = current.InnerException)
        {
            messages.Add($"{current.GetType().Name}: {current.Message}");
        }

        return string.Join(" <- ", messages);
    }

    /// <summary>Proposal ids the server reported as written (a pending tool result, not an error).</summary>
    private static IEnumerable<string> AcceptedProposalIds(string sse)
    {
        foreach (string line in sse.Split('\n'))
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            JsonNode? message = JsonNode.Parse(line[5..]);
            JsonNode? structured = message?["result"]?["structuredContent"];
            if (structured?["status"]?.GetValue<string>() == "pending" && message!["result"]!["isError"]?.GetValue<bool>() != true)
            {
                yield return structured["proposal_id"]!.GetValue<string>();
            }
        }
    }

    private static (string Body, string Accept, string ContentType, string? Version) Generate(Random random)
    {
        JsonNode node = JsonNode.Parse(Templates[random.Next(Templates.Length)])!;
        for (int mutations = random.Next(1, 4); mutations > 0; mutations--)
        {
            Mutate(node, random);
        }

        KeepNonBlocking(node);
        string body = node.ToJsonString();
        switch (random.Next(12))
        {
            case 0: body = body[..random.Next(body.Length)]; break;
            case 1: body = FlipByte(body, random); break;
            case 2: body = new string('[', 300) + new string(']', 300); break;
            case 3: body = "[" + body + "," + body + "]"; break;
        }

        string accept = random.Next(10) == 0 ? new[] { "application/json", "text/html", "", "*/*" }[random.Next(4)] : McpHttpClient.BothAccept;
        string contentType = random.Next(15) == 0 ? "text/plain" : "application/json";
        string? version = random.Next(10) == 0 ? new[] { "2024-11-05", "garbage", "2025-06-18", "" }[random.Next(4)] : null;
        return (body, accept, contentType, version);
    }

    private static void Mutate(JsonNode node, Random random)
    {
        List<(JsonObject Parent, string Key)> slots = [];
        Collect(node, slots);
        if (slots.Count == 0)
        {
            return;
        }

        (JsonObject parent, string key) = slots[random.Next(slots.Count)];
        switch (random.Next(8))
        {
            case 0: parent.Remove(key); break;
            case 1: parent[key] = random.Next(-5, 5); break;
            case 2: parent[key] = null; break;
            case 3: parent[key] = new JsonArray(1, "two", null); break;
            case 4: parent[key] = new string((char)random.Next(0x20, 0x7f), random.Next(0, 3) == 0 ? 300_000 : random.Next(0, 80)); break;
            case 5: parent[key] = "a\u0000b\ud800" + key; break;
            case 6: parent[key] = HostileText.Pick(random); break;
            default: parent["extra_" + random.Next(100)] = "x"; break;
        }
    }

    private static void Collect(JsonNode? node, List<(JsonObject, string)> slots)
    {
        if (node is JsonObject obj)
        {
            foreach ((string key, JsonNode? child) in obj.ToList())
            {
                slots.Add((obj, key));
                Collect(child, slots);
            }
        }
    }

    /// <summary>Blocking calls are not what this test is about: force wait=false and wait_seconds=0.</summary>
    private static void KeepNonBlocking(JsonNode node)
    {
        if (node["params"] is JsonObject parameters && parameters["arguments"] is JsonObject arguments)
        {
            if (arguments["wait"] is null || arguments["wait"] is JsonValue wait && wait.TryGetValue(out bool value) && value)
            {
                arguments["wait"] = false;
            }

            if (arguments["wait_seconds"] is JsonValue seconds && seconds.TryGetValue(out int _))
            {
                arguments["wait_seconds"] = 0;
            }
        }
    }

    private static string FlipByte(string body, Random random)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        return Encoding.Latin1.GetString(bytes);
    }
}
