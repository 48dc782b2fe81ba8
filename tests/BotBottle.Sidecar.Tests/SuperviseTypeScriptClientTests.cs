using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>The official TypeScript MCP client (@modelcontextprotocol/sdk) against the published serve.</summary>
public sealed class SuperviseTypeScriptClientTests
{

    [Theory]
    [MemberData(nameof(QueueRoute.AllModes), MemberType = typeof(QueueRoute))]
    public async Task TypeScript_client_lists_tools_and_receives_the_operators_approval_with_progress(QueueMode mode)
    {
        using var home = new TestHome().Migrated();
        using QueueRoute route = await QueueRoute.StartAsync(home, mode);
        using ServeProcess serve = await ServeProcess.StartWithQueueAsync(home, route.Args);
        using Process node = StartClient("client.mjs", serve.McpUrl);
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> error = node.StandardError.ReadToEndAsync();

        string id = await home.WaitForPendingAsync();
        await Task.Delay(700);
        Assert.Equal(0, home.Host("queue", "approve", id, "--notes", "registry allowed").ExitCode);

        (JsonNode tools, JsonNode result) = await ToolsAndResultAsync(node, output, error);
        Assert.Equal(4, tools["names"]!.AsArray().Count);
        Assert.Equal(4, (int)tools["withOutputSchema"]!);
        Assert.Equal("approved", (string)result["structured"]!["status"]!);
        Assert.Equal("registry allowed", (string)result["structured"]!["notes"]!);
        Assert.Equal(id, (string)result["structured"]!["proposal_id"]!);
        Assert.True((int)result["progress"]! >= 2, "progress notifications reached the client's onprogress");
        Assert.False((bool)result["isError"]!);
    }

    [Fact]
    public async Task A_typescript_client_and_a_raw_client_with_colliding_ids_each_cancel_only_their_own_call()
    {
        using var home = new TestHome().Migrated();
        using ServeProcess serve = await ServeProcess.StartAsync(home);
        using var raw = new McpHttpClient(serve.McpUrl);
        using Process node = StartClient("cancel.mjs", serve.McpUrl);
        Task<string> error = node.StandardError.ReadToEndAsync();
        try
        {
            JsonNode connected = await NextStepAsync(node);
            Assert.Matches("^[0-9a-f]{32}$", (string?)connected["session"] ?? "");
            Assert.Equal("calling", (string?)(await NextStepAsync(node))["step"]);

            // The raw client, on the same address with no session, also has a call with id 1.
            Task<SseTranscript> rawFirst = raw.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", """{"proposed_file":"raw-a.example\n","justification":"raw client"}"""));
            await WaitForPendingCountAsync(home, 2);

            // The raw client cancels its id 1: its own call ends, the TypeScript client's id 1 waits on.
            using (HttpResponseMessage cancel = await raw.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"""))
            {
                Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
            }

            SseTranscript cancelled = await rawFirst.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(cancelled.Messages, static m => m["id"] is not null);
            Task<JsonNode> tsOutcome = NextStepAsync(node);
            Assert.NotSame(tsOutcome, await Task.WhenAny(tsOutcome, Task.Delay(500)));

            // Now the TypeScript client aborts its id 1 while the raw client has a new id-1 call waiting.
            Task<SseTranscript> rawSecond = raw.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", """{"proposed_file":"raw-b.example\n","justification":"raw client again"}"""));
            await WaitForPendingCountAsync(home, 3);
            await node.StandardInput.WriteLineAsync("abort");
            await node.StandardInput.FlushAsync();
            JsonNode aborted = await tsOutcome.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("error", (string?)aborted["step"]);
            Assert.True((bool?)aborted["aborted"] == true, aborted.ToJsonString());
            for (var clock = Stopwatch.StartNew(); serve.Log.Count(static l => (string?)l["rpc"] == "notifications/cancelled" && (string?)l["outcome"] == "cancelled_request") < 2; await Task.Delay(50))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the TypeScript client's cancel did not end its own call: " + string.Join("\n", serve.Log.Where(static l => (string?)l["event"] == "request").Select(static l => l.ToJsonString())));
            }

            await Task.Delay(300);
            Assert.False(rawSecond.IsCompleted, "the TypeScript client's cancel reached the raw client's call");

            // The raw client's waiting call still gets the operator's answer.
            foreach (string id in home.PendingIds())
            {
                Assert.Equal(0, home.Host("queue", "approve", id).ExitCode);
            }

            SseTranscript answered = await rawSecond.WaitAsync(TimeSpan.FromSeconds(30));
            await node.StandardInput.WriteLineAsync("exit");
            await node.StandardInput.FlushAsync();
            Assert.Equal("approved", (string)JsonNode.Parse((string)answered.Response["result"]!["content"]![0]!["text"]!)!["status"]!);
            Assert.True(node.WaitForExit(TimeSpan.FromSeconds(30)), "node client did not finish");
            Assert.True(node.ExitCode == 0, await error);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }
        }
    }

    [Fact]
    public async Task The_typescript_sdks_own_task_api_follows_a_task_across_a_sigkilled_sidecar_to_the_operators_decision()
    {
        using var home = new TestHome().Migrated();
        ServeProcess serve = await ServeProcess.StartAsync(home);
        using Process node = StartClient("tasks.mjs", serve.McpUrl, "stream");
        Task<string> error = node.StandardError.ReadToEndAsync();
        try
        {
            JsonNode connected = await NextStepAsync(node);
            Assert.Equal("2025-11-25", (string?)connected["protocol"]);
            Assert.NotNull(connected["tasks"]!["requests"]!["tools"]!["call"]);
            Assert.NotNull(connected["tasks"]!["cancel"]);
            Assert.Null(connected["logging"]);
            JsonNode taskSupport = (await NextStepAsync(node))["taskSupport"]!;
            Assert.Equal(("optional", "optional", "optional"), ((string?)taskSupport["cred-proxy-block"], (string?)taskSupport["pipelock-block"], (string?)taskSupport["capability-block"]));
            Assert.Null(taskSupport["supervise-status"]);

            // The SDK made the call a task on its own (the tool said it may be one); the task is the proposal.
            JsonNode created = await NextStepAsync(node);
            Assert.True((string?)created["step"] == "taskCreated", created.ToJsonString());
            string taskId = (string)created["task"]!["taskId"]!;
            Assert.Equal([taskId], home.PendingIds());
            Assert.Equal("working", (string?)created["task"]!["status"]);
            Assert.Null(created["task"]!["ttl"]);
            JsonNode polled = await NextStepAsync(node);
            Assert.Equal(("taskStatus", "working"), ((string?)polled["step"], (string?)polled["task"]!["status"]));
            Assert.Contains("has not looked at it yet", (string?)polled["task"]!["statusMessage"], StringComparison.Ordinal);

            // The SDK waits the suggested poll interval (5 s) before asking again: the sidecar dies,
            // the operator answers, and a new sidecar on the same address is up before it asks.
            string listen = serve.BaseUrl.Authority;
            serve.Process.Kill();
            await serve.Process.WaitForExitAsync();
            serve.Dispose();
            Assert.Equal(0, home.Host("queue", "modify", taskId, "--final-file", WriteFile(home, "registry.npmjs.org\nnodejs.org\n"), "--notes", "with nodejs.org too").ExitCode);
            serve = await ServeProcess.StartAsync(home, "bottle-a", "--listen", listen);

            JsonNode step;
            var seen = new System.Collections.Generic.List<JsonNode>();
            while ((string?)(step = await NextStepAsync(node))["step"] == "taskStatus")
            {
                seen.Add(step);
            }

            Assert.True((string?)step["step"] == "result", step.ToJsonString());
            Assert.Equal("completed", (string?)seen[^1]["task"]!["status"]);
            JsonNode result = step["result"]!;
            Assert.Equal(("modified", "with nodejs.org too", "registry.npmjs.org\nnodejs.org\n", taskId), ((string?)result["structuredContent"]!["status"], (string?)result["structuredContent"]!["notes"], (string?)result["structuredContent"]!["final_file"], (string?)result["structuredContent"]!["proposal_id"]));
            Assert.Equal(taskId, (string?)result["_meta"]!["io.modelcontextprotocol/related-task"]!["taskId"]);
            Assert.True(node.WaitForExit(TimeSpan.FromSeconds(30)), "node client did not finish");
            Assert.True(node.ExitCode == 0, await error);
            Assert.Empty(home.PendingIds());
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }

            serve.Dispose();
        }
    }

    [Fact]
    public async Task The_typescript_sdks_cancelTask_withdraws_the_proposal_and_the_task_then_has_no_result()
    {
        using var home = new TestHome().Migrated();
        using ServeProcess serve = await ServeProcess.StartAsync(home);
        using Process node = StartClient("tasks.mjs", serve.McpUrl, "cancel");
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> error = node.StandardError.ReadToEndAsync();
        node.StandardInput.Close();
        Assert.True(node.WaitForExit(TimeSpan.FromSeconds(60)), "node client did not finish");
        Assert.True(node.ExitCode == 0, await error);
        JsonNode[] steps = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => JsonNode.Parse(l)!).ToArray();
        JsonNode Step(string name) => steps.Single(s => (string?)s["step"] == name);

        string taskId = (string)Step("taskCreated")["task"]!["taskId"]!;
        Assert.Equal(("cancelled", taskId), ((string?)Step("cancelled")["task"]!["status"], (string?)Step("cancelled")["task"]!["taskId"]));
        Assert.Equal("cancelled", (string?)Step("taskStatus")["task"]!["status"]);
        Assert.Equal(-32602, (int)Step("result")["error"]!["code"]!);
        Assert.Contains("was cancelled", (string?)Step("result")["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(-32602, (int)Step("cancelledAgain")["error"]!["code"]!);
        Assert.Contains("terminal status", (string?)Step("cancelledAgain")["error"]!["message"], StringComparison.Ordinal);
        Assert.Empty(home.PendingIds());
        JsonNode entry = Assert.Single(home.HostJson("audit", "list").AsArray())!;
        Assert.Equal(("withdrawn", "pipelock-block"), ((string?)entry["operator_action"], (string?)entry["component"]));
    }

    private static string WriteFile(TestHome home, string text)
    {
        string path = Path.Combine(home.Root, "operator-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Starts <paramref name="script"/> of the TypeScript client against <paramref name="mcpUrl"/>.</summary>
    internal static Process StartClient(string script, Uri mcpUrl, params string[] arguments)
    {
        Assert.True(Directory.Exists(Path.Combine(SidecarBinary.NodeClients, "node_modules", "@modelcontextprotocol", "sdk")), "run 'npm ci' in tests/BotBottle.Sidecar.Tests/mcp-client (build/test.sh does)");
        var start = new ProcessStartInfo("node", [Path.Combine(SidecarBinary.NodeClients, script), mcpUrl.ToString(), .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = SidecarBinary.NodeClients,
        };
        return Process.Start(start)!;
    }

    /// <summary>What client.mjs printed once it finished: its tools step and its result step.</summary>
    internal static async Task<(JsonNode Tools, JsonNode Result)> ToolsAndResultAsync(Process node, Task<string> output, Task<string> error)
    {
        node.StandardInput.Close();
        Assert.True(node.WaitForExit(TimeSpan.FromSeconds(60)), "node client did not finish");
        Assert.True(node.ExitCode == 0, await error);
        JsonNode[] steps = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => JsonNode.Parse(l)!).ToArray();
        return (steps.Single(static s => (string?)s["step"] == "tools"), steps.Single(static s => (string?)s["step"] == "result"));
    }

    private static async Task<JsonNode> NextStepAsync(Process node)
    {
        string? line = await node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(line is not null, "the node client ended early");
        return JsonNode.Parse(line)!;
    }

    private static async Task WaitForPendingCountAsync(TestHome home, int count)
    {
        for (var clock = Stopwatch.StartNew(); home.PendingIds().Length < count; await Task.Delay(50))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{count} proposals did not queue");
        }
    }
}
