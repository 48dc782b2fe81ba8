using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The MCP tasks extension (protocol 2026-07-28) against the published sidecar, driven by the
/// official C# SDK client: a supervise call answers with a task, and the task outlives the
/// connection, the session and the sidecar process, because it is the proposal.
/// </summary>
public sealed class DurableTaskTests : IDisposable
{
    private const string Revision = "2026-07-28";

    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private static Task<McpClient> ConnectAsync(ServeProcess serve) => ConnectAsync(serve.McpUrl);

    /// <summary>The official C# client on <paramref name="mcpUrl"/>, pinned to the tasks revision.</summary>
    internal static async Task<McpClient> ConnectAsync(Uri mcpUrl)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = mcpUrl, TransportMode = HttpTransportMode.StreamableHttp });

        // Pinned: the client must not fall back to initialize, so every request below is 2026-07-28.
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = Revision });
    }

    // What a client that opts into tasks sends (SEP-2663): the extension among the client capabilities
    // in the request's _meta, with the revision (2026-07-28 requests carry both, every time).
    private static JsonObject Meta(bool tasks) => tasks
        ? new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Revision,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject { ["extensions"] = new JsonObject { ["io.modelcontextprotocol/tasks"] = new JsonObject() } },
        }
        : new JsonObject { ["io.modelcontextprotocol/protocolVersion"] = Revision };

    private static async Task<JsonNode> RequestAsync(McpClient client, string method, JsonObject parameters)
    {
        JsonRpcResponse response = await client.SendRequestAsync(new JsonRpcRequest { Method = method, Params = parameters }, CancellationToken.None);
        return response.Result!;
    }

    internal static Task<JsonNode> CallWithTaskAsync(McpClient client, string justification) => RequestAsync(client, "tools/call", new JsonObject
    {
        ["name"] = "cred-proxy-block",
        ["arguments"] = new JsonObject { ["proposed_file"] = """{"routes":[{"host":"api.example.com"}]}""", ["justification"] = justification },
        ["_meta"] = Meta(tasks: true),
    });

    internal static Task<JsonNode> GetTaskAsync(McpClient client, string taskId)
        => RequestAsync(client, "tasks/get", new JsonObject { ["taskId"] = taskId, ["_meta"] = Meta(tasks: false) });

    [Fact]
    public async Task A_task_survives_a_sigkilled_sidecar_and_a_new_session_and_returns_the_operators_decision()
    {
        string taskId;
        using (ServeProcess first = await ServeProcess.StartAsync(_home))
        {
            await using McpClient client = await ConnectAsync(first);
            Assert.Equal(Revision, client.NegotiatedProtocolVersion);
            JsonNode created = await CallWithTaskAsync(client, "needs the example API");
            Assert.Equal(("task", "working"), ((string?)created["resultType"], (string?)created["status"]));
            Assert.True((long)created["pollIntervalMs"]! >= 1000, "the suggested poll interval should cost nothing while a human decides");
            taskId = (string)created["taskId"]!;

            // The proposal is the task: the operator sees it, and a retried identical call joins it.
            Assert.Equal([taskId], _home.PendingIds());
            Assert.Equal(taskId, (string?)(await CallWithTaskAsync(client, "needs the example API"))["taskId"]);
            JsonNode working = await GetTaskAsync(client, taskId);
            Assert.Equal("working", (string?)working["status"]);
            Assert.Contains("has not looked at it yet", (string?)working["statusMessage"], StringComparison.Ordinal);

            // Once the operator has looked, the agent polling its task is told so.
            Assert.Equal(0, _home.Host("queue", "show", taskId).ExitCode);
            Assert.Contains("the operator has seen it", (string?)(await GetTaskAsync(client, taskId))["statusMessage"], StringComparison.Ordinal);

            first.Process.Kill();
            await first.Process.WaitForExitAsync();
        }

        Assert.Equal(0, _home.Host("queue", "approve", taskId, "--notes", "go ahead").ExitCode);

        using ServeProcess second = await ServeProcess.StartAsync(_home);
        await using McpClient again = await ConnectAsync(second);
        JsonNode done = await GetTaskAsync(again, taskId);
        Assert.Equal(("completed", taskId), ((string?)done["status"], (string?)done["taskId"]));
        JsonNode result = done["result"]!;
        Assert.False((bool)result["isError"]!);
        Assert.Equal(("approved", "go ahead", taskId), ((string?)result["structuredContent"]!["status"], (string?)result["structuredContent"]!["notes"], (string?)result["structuredContent"]!["proposal_id"]));

        // Polling again is harmless and answers the same.
        Assert.Equal("completed", (string?)(await GetTaskAsync(again, taskId))["status"]);
    }

    [Theory]
    [MemberData(nameof(QueueRoute.AllModes), MemberType = typeof(QueueRoute))]
    public async Task Cancelling_a_task_withdraws_the_proposal_from_the_queue_and_the_audit_log_records_it(QueueMode mode)
    {
        // Behind the host broker (VM backends) the withdrawal travels over its socket, or through a relay.
        using QueueRoute route = await QueueRoute.StartAsync(_home, mode);
        using ServeProcess serve = await ServeProcess.StartWithQueueAsync(_home, route.Args);
        await using McpClient client = await ConnectAsync(serve);
        string taskId = (string)(await CallWithTaskAsync(client, "maybe not needed after all"))["taskId"]!;
        Assert.Equal([taskId], _home.PendingIds());
        using System.Diagnostics.Process watch = SidecarBinary.Start(["--db", _home.DbPath, "queue", "watch", "--json"]);
        watch.StandardInput.Close();
        Assert.Equal("pending", (string?)JsonNode.Parse((await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30 * SidecarBinary.Patience)))!)!["event"]);

        await RequestAsync(client, "tasks/cancel", new JsonObject { ["taskId"] = taskId, ["_meta"] = Meta(tasks: false) });

        Assert.Empty(_home.PendingIds());
        JsonNode withdrawn = JsonNode.Parse((await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10 * SidecarBinary.Patience)))!)!;
        Assert.Equal(("withdrawn", taskId), ((string?)withdrawn["event"], (string?)withdrawn["id"]));
        watch.Kill();
        Assert.Equal("cancelled", (string?)(await GetTaskAsync(client, taskId))["status"]);
        JsonNode entry = Assert.Single(_home.HostJson("audit", "list").AsArray())!;
        Assert.Equal(("withdrawn", "bottle-a", "cred-proxy-block", "maybe not needed after all"), ((string?)entry["operator_action"], (string?)entry["bottle_slug"], (string?)entry["component"], (string?)entry["justification"]));
        Assert.Equal(0, _home.Host("audit", "verify").ExitCode);

        // The operator sees why it left, and can no longer answer it.
        Assert.Contains("withdrawn by the agent", _home.Host("queue", "show", taskId).Output, StringComparison.Ordinal);
        Assert.NotEqual(0, _home.Host("queue", "approve", taskId).ExitCode);
    }

    [Fact]
    public async Task A_decided_task_cannot_be_cancelled_and_another_bottles_task_does_not_exist()
    {
        string theirs;
        using (ServeProcess other = await ServeProcess.StartAsync(_home, "bottle-b"))
        {
            await using McpClient client = await ConnectAsync(other);
            theirs = (string)(await CallWithTaskAsync(client, "bottle b's"))["taskId"]!;
        }

        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        await using McpClient mine = await ConnectAsync(serve);
        string ours = (string)(await CallWithTaskAsync(mine, "bottle a's"))["taskId"]!;
        Assert.Equal(0, _home.Host("queue", "reject", ours, "--notes", "no").ExitCode);

        var refused = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => RequestAsync(mine, "tasks/cancel", new JsonObject { ["taskId"] = ours }));
        Assert.Contains("already answered", refused.Message, StringComparison.Ordinal);
        Assert.Equal("completed", (string?)(await GetTaskAsync(mine, ours))["status"]);

        foreach (string method in new[] { "tasks/get", "tasks/cancel" })
        {
            var missing = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => RequestAsync(mine, method, new JsonObject { ["taskId"] = theirs }));
            Assert.Contains("not found", missing.Message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(theirs, _home.PendingIds());
    }

    [Fact]
    public async Task Without_the_opt_in_a_2026_07_28_call_blocks_as_before_and_returns_the_decision()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        await using McpClient client = await ConnectAsync(serve);
        Task<JsonNode> call = RequestAsync(client, "tools/call", new JsonObject
        {
            ["name"] = "pipelock-block",
            ["arguments"] = new JsonObject { ["proposed_file"] = "a.example\n", ["justification"] = "plain call" },
            ["_meta"] = Meta(tasks: false),
        });
        string id = await _home.WaitForPendingAsync();
        Assert.Equal(0, _home.Host("queue", "approve", id).ExitCode);
        JsonNode result = await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(result["taskId"]);
        Assert.Equal("approved", (string?)result["structuredContent"]!["status"]);
    }
}
