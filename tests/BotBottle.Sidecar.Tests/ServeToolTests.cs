using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>The supervise tools end to end: the published serve, and the operator as another process.</summary>
public sealed class ServeToolTests : RunningServe
{
    private const string Allowlist = "a.example.com\nb.example.com\n";
    private const string Arguments = """{"proposed_file":"a.example.com\nb.example.com\n","justification":"docs live on b"}""";

    protected override Task PrepareAsync() => File.WriteAllTextAsync(Path.Combine(Home.CurrentConfig, "allowlist"), "a.example.com\n");

    private static JsonNode Structured(SseTranscript transcript) => transcript.Response["result"]!["structuredContent"]!;

    [Fact]
    public async Task ToolsList_offers_the_three_supervise_tools_and_status_with_schemas()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "tools/list"));

        JsonArray tools = transcript.Response["result"]!["tools"]!.AsArray();
        Assert.Equal(["cred-proxy-block", "pipelock-block", "capability-block", "supervise-status"], tools.Select(static t => (string)t!["name"]!));
        Assert.All(tools, static t => Assert.Equal("object", (string)t!["outputSchema"]!["type"]!));
        Assert.Equal(["proposed_file", "justification"], tools[1]!["inputSchema"]!["required"]!.AsArray().Select(static r => (string)r!));
    }

    [Fact]
    public async Task ToolsCall_stays_open_until_another_process_approves_then_returns_the_decision()
    {
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments, progressToken: "p1"));
        string id = await Home.WaitForPendingAsync();
        Assert.False(call.IsCompleted);

        CommandResult approve = Home.Host("queue", "approve", id, "--notes", "go ahead");
        SseTranscript transcript = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(approve.ExitCode == 0, approve.ToString());
        JsonNode result = Structured(transcript);
        Assert.Equal("approved", (string)result["status"]!);
        Assert.Equal("go ahead", (string)result["notes"]!);
        Assert.Equal(Allowlist, (string)result["final_file"]!);
        Assert.Equal(id, (string)result["proposal_id"]!);
        Assert.Equal(result.ToJsonString(), JsonNode.Parse((string)transcript.Response["result"]!["content"]![0]!["text"]!)!.ToJsonString());
        Assert.False((bool)transcript.Response["result"]!["isError"]!);
        Assert.Empty(Home.PendingIds());
        JsonNode proposal = Home.HostJson("queue", "show", id);
        Assert.True((bool)proposal["proposal"]!["archived"]!);
        Assert.True((bool)proposal["response"]!["archived"]!);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("a.example.com\n"u8)), (string)proposal["proposal"]!["current_file_hash"]!);
    }

    [Fact]
    public async Task ToolsCall_returns_rejected_with_notes_and_the_rejection_is_audited()
    {
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments));
        string id = await Home.WaitForPendingAsync();

        Assert.Equal(0, Home.Host("queue", "reject", id, "--notes", "use the mirror").ExitCode);
        JsonNode result = Structured(await call.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal("rejected", (string)result["status"]!);
        Assert.Equal("use the mirror", (string)result["notes"]!);
        Assert.Null(result["final_file"]);
        JsonNode entry = Assert.Single(Home.HostJson("audit", "list").AsArray())!;
        Assert.Equal("rejected", (string)entry["operator_action"]!);
        Assert.Equal("pipelock-block", (string)entry["component"]!);
        Assert.Equal("bottle-a", (string)entry["bottle_slug"]!);
        Assert.Contains("+b.example.com", (string)entry["diff"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_returns_the_operators_file_when_modified_and_audits_its_diff()
    {
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments));
        string id = await Home.WaitForPendingAsync();
        string finalFile = Path.Combine(Home.Root, "final");
        await File.WriteAllTextAsync(finalFile, "a.example.com\nb.example.com:443\n");

        CommandResult modify = Home.Host("queue", "modify", id, "--final-file", finalFile, "--notes", "port 443 only");
        JsonNode result = Structured(await call.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(modify.ExitCode == 0, modify.ToString());
        Assert.Equal("modified", (string)result["status"]!);
        Assert.Equal("a.example.com\nb.example.com:443\n", (string)result["final_file"]!);
        JsonNode entry = Assert.Single(Home.HostJson("audit", "list", "--component", "pipelock-block").AsArray())!;
        Assert.Equal("modified", (string)entry["operator_action"]!);
        Assert.Contains("+b.example.com:443", (string)entry["diff"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_with_wait_false_returns_pending_then_status_returns_the_decision()
    {
        JsonNode pending = Structured(await Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments.Replace("}", ",\"wait\":false}", StringComparison.Ordinal))));
        string id = (string)pending["proposal_id"]!;
        JsonNode stillPending = Structured(await Client.CallAsync(McpHttpClient.ToolCall(2, "supervise-status", $$"""{"proposal_id":"{{id}}"}""")));

        Assert.Equal(0, Home.Host("queue", "approve", id).ExitCode);
        JsonNode decided = Structured(await Client.CallAsync(McpHttpClient.ToolCall(3, "supervise-status", $$"""{"proposal_id":"{{id}}","wait_seconds":5}""")));

        Assert.Equal("pending", (string)pending["status"]!);
        Assert.Equal("pending", (string)stillPending["status"]!);
        Assert.Equal("approved", (string)decided["status"]!);
        Assert.Equal(Allowlist, (string)decided["final_file"]!);
    }

    [Fact]
    public async Task SuperviseStatus_waits_for_a_decision_made_meanwhile()
    {
        string id = (string)Structured(await Client.CallAsync(McpHttpClient.ToolCall(1, "capability-block", """{"proposed_file":"FROM debian:12\nRUN apt-get install -y jq\n","justification":"jq","wait":false}""")))["proposal_id"]!;
        Task<SseTranscript> status = Client.CallAsync(McpHttpClient.ToolCall(2, "supervise-status", $$"""{"proposal_id":"{{id}}","wait_seconds":30}"""));
        await Task.Delay(500);
        Assert.False(status.IsCompleted);

        Assert.Equal(0, Home.Host("queue", "approve", id).ExitCode);

        Assert.Equal("approved", (string)Structured(await status.WaitAsync(TimeSpan.FromSeconds(30)))["status"]!);
    }

    [Fact]
    public async Task Identical_retry_joins_the_open_proposal_instead_of_duplicating_it()
    {
        string noWait = Arguments.Replace("}", ",\"wait\":false}", StringComparison.Ordinal);
        string first = (string)Structured(await Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", noWait)))["proposal_id"]!;
        string second = (string)Structured(await Client.CallAsync(McpHttpClient.ToolCall(2, "pipelock-block", noWait)))["proposal_id"]!;

        Assert.Equal(first, second);
        Assert.Equal(1, Home.Count("supervise_proposals"));
        Assert.True(await Serve.WaitForLogAsync(static l => (string?)l["event"] == "proposal" && (bool?)l["joined"] == true, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("cred-proxy-block", """{"proposed_file":"[1,2]","justification":"x"}""", "JSON object")]
    [InlineData("cred-proxy-block", """{"proposed_file":"{oops","justification":"x"}""", "not valid JSON")]
    [InlineData("pipelock-block", """{"proposed_file":"good.example\nnot a host!\n","justification":"x"}""", "line 2")]
    [InlineData("pipelock-block", """{"proposed_file":"a.example\u0007\n","justification":"x"}""", "proposed_file holds U+0007 (BEL)")]
    [InlineData("capability-block", """{"proposed_file":"RUN echo hi\n","justification":"x"}""", "FROM")]
    [InlineData("pipelock-block", """{"proposed_file":"a.example\n","justification":"  "}""", "justification is empty")]
    [InlineData("pipelock-block", """{"justification":"x"}""", "proposed_file is required")]
    [InlineData("pipelock-block", """{"proposed_file":"a.example\n","justification":"x","wait":"yes"}""", "wait must be")]
    public async Task Invalid_input_is_a_tool_error_that_says_what_to_fix_and_writes_nothing(string tool, string arguments, string expected)
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.ToolCall(1, tool, arguments));

        JsonNode result = transcript.Response["result"]!;
        Assert.True((bool)result["isError"]!);
        Assert.Contains(expected, (string)result["content"]![0]!["text"]!, StringComparison.Ordinal);
        Assert.Equal(0, Home.Count("supervise_proposals"));
    }

    [Fact]
    public async Task A_cancelled_call_ends_its_wait_at_once_without_a_response_and_the_proposal_stays_queued()
    {
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(7, "pipelock-block", Arguments, progressToken: "p7"));
        string id = await Home.WaitForPendingAsync();

        using HttpResponseMessage cancel = await Client.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user pressed Esc"}}""");
        SseTranscript transcript = await call.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.DoesNotContain(transcript.Messages, static m => m["id"] is not null);
        Assert.Equal([id], Home.PendingIds());
        Assert.True(await Serve.WaitForLogAsync(static l => (string?)l["event"] == "wait_ended" && ((string?)l["reason"])!.Contains("cancelled", StringComparison.Ordinal), TimeSpan.FromSeconds(5)));
        Assert.True(await Serve.WaitForLogAsync(static l => (string?)l["rpc"] == "notifications/cancelled" && (string?)l["outcome"] == "cancelled_request", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Two_clients_whose_ids_collide_cancel_only_their_own_call()
    {
        // Two clients on one address, each numbering its requests from 1: one initializes and gets a
        // session; the other has none.
        using HttpResponseMessage initialized = await Client.PostAsync(McpHttpClient.Request(1, "initialize", """{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"a","version":"1"}}"""));
        Assert.Equal(System.Net.HttpStatusCode.OK, initialized.StatusCode);
        string session = Assert.Single(initialized.Headers.GetValues("Mcp-Session-Id"));
        Assert.Matches("^[0-9a-f]{32}$", session);

        Task<SseTranscript> mine = Client.CallAsync(McpHttpClient.ToolCall(2, "pipelock-block", """{"proposed_file":"a.example\n","justification":"session client"}"""), r => r.Headers.Add("Mcp-Session-Id", session));
        Task<SseTranscript> theirs = Client.CallAsync(McpHttpClient.ToolCall(2, "pipelock-block", """{"proposed_file":"b.example\n","justification":"plain client"}"""));
        Task<SseTranscript> third = Client.CallAsync(McpHttpClient.ToolCall(2, "pipelock-block", """{"proposed_file":"c.example\n","justification":"another plain client"}"""));
        while (Home.PendingIds().Length < 3)
        {
            await Task.Delay(20);
        }

        // Without a session, two calls share address and id: the cancel ends neither.
        using (HttpResponseMessage ambiguous = await Client.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}"""))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, ambiguous.StatusCode);
        }

        Assert.True(await Serve.WaitForLogAsync(static l => (string?)l["rpc"] == "notifications/cancelled" && (string?)l["outcome"] == "ambiguous_cancel", TimeSpan.FromSeconds(5)));

        // In its session, the cancel ends exactly its own call.
        using (HttpResponseMessage cancel = await Client.PostAsync("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}""", configure: r => r.Headers.Add("Mcp-Session-Id", session)))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
        }

        SseTranscript cancelled = await mine.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(cancelled.Messages, static m => m["id"] is not null);
        Assert.False(theirs.IsCompleted || third.IsCompleted, "a cancel reached another client's call");

        // The others still get the operator's answers.
        foreach (string id in Home.PendingIds())
        {
            Assert.Equal(0, Home.Host("queue", "approve", id, "--notes", "ok").ExitCode);
        }

        SseTranscript[] answered = await Task.WhenAll(theirs, third).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(answered, static t => Assert.Equal("approved", (string)JsonNode.Parse((string)t.Response["result"]!["content"]![0]!["text"]!)!["status"]!));
    }

    [Fact]
    public async Task Joined_retries_all_get_the_decision_and_it_is_logged_once()
    {
        Task<SseTranscript> first = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments));
        string id = await Home.WaitForPendingAsync();
        Task<SseTranscript> retry = Client.CallAsync(McpHttpClient.ToolCall(2, "pipelock-block", Arguments));
        Assert.True(await Serve.WaitForLogAsync(static l => (string?)l["event"] == "proposal" && (bool?)l["joined"] == true, TimeSpan.FromSeconds(10)));

        Assert.Equal(0, Home.Host("queue", "approve", id).ExitCode);
        SseTranscript[] both = await Task.WhenAll(first, retry).WaitAsync(TimeSpan.FromSeconds(30));

        // A call's request line is the last it writes: with both in, so is every decision line they wrote.
        Assert.True(await Serve.WaitForLogAsync(static l => (string?)l["event"] == "request" && (string?)l["rpc"] == "tools/call", TimeSpan.FromSeconds(10), count: 2));
        Assert.All(both, static t => Assert.Equal("approved", (string)Structured(t)["status"]!));
        Assert.Single(Serve.Log, static l => (string?)l["event"] == "decision");
    }

    [Fact]
    public async Task OutputSchema_spells_a_nullable_field_with_anyOf_for_single_type_schema_dialects()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "tools/list"));

        JsonNode finalFile = transcript.Response["result"]!["tools"]![0]!["outputSchema"]!["properties"]!["final_file"]!;
        Assert.Null(finalFile["type"]);
        Assert.Equal(["string", "null"], finalFile["anyOf"]!.AsArray().Select(static t => (string)t!["type"]!));
    }

    [Fact]
    public async Task Oversized_justification_is_a_tool_error()
    {
        string justification = new('j', 9000);

        SseTranscript transcript = await Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", $$"""{"proposed_file":"a.example\n","justification":"{{justification}}"}"""));

        Assert.True((bool)transcript.Response["result"]!["isError"]!);
        Assert.Contains("limit is 8192 bytes", (string)transcript.Response["result"]!["content"]![0]!["text"]!, StringComparison.Ordinal);
        Assert.Equal(0, Home.Count("supervise_proposals"));
    }

    [Fact]
    public async Task Unknown_tool_is_a_json_rpc_invalid_params_error()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.ToolCall(1, "rm-rf", "{}"));

        Assert.Equal(-32602, (int)transcript.Response["error"]!["code"]!);
    }

    [Fact]
    public async Task Waiting_call_sends_progress_notifications_when_given_a_progress_token()
    {
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments, progressToken: "tok"));
        string id = await Home.WaitForPendingAsync();
        await Task.Delay(1000);

        Home.Host("queue", "approve", id);
        SseTranscript transcript = await call.WaitAsync(TimeSpan.FromSeconds(30));

        var progress = transcript.Notifications("notifications/progress");
        Assert.True(progress.Count >= 3, $"{progress.Count} progress notifications");
        Assert.All(progress, static p => Assert.Equal("tok", (string)p["params"]!["progressToken"]!));
        Assert.Equal(progress.Select(static p => (double)p["params"]!["progress"]!).Order(), progress.Select(static p => (double)p["params"]!["progress"]!));
    }

    [Fact]
    public async Task Waiting_call_sends_sse_comments_without_a_progress_token()
    {
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments));
        string id = await Home.WaitForPendingAsync();
        await Task.Delay(1000);

        Home.Host("queue", "approve", id);
        SseTranscript transcript = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(transcript.Comments.Count >= 3, $"{transcript.Comments.Count} comments");
        Assert.Empty(transcript.Notifications("notifications/progress"));
        Assert.Equal("approved", (string)Structured(transcript)["status"]!);
    }

    [Fact]
    public async Task Client_disconnect_ends_the_wait_and_the_proposal_stays_for_the_operator()
    {
        using var cancel = new CancellationTokenSource();
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments), cancellationToken: cancel.Token);
        string id = await Home.WaitForPendingAsync();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.True(await Serve.WaitForLogAsync(l => (string?)l["event"] == "wait_ended" && (string?)l["proposal_id"] == id, TimeSpan.FromSeconds(10)));
        Assert.Equal([id], Home.PendingIds());
    }

    [Fact]
    public async Task SuperviseStatus_does_not_reveal_another_bottles_proposal()
    {
        CommandResult other = SidecarBinary.Run("--db", Home.DbPath, "propose", "--slug", "bottle-b", "--tool", "git-gate", "--justification", "secret");
        string otherId = other.Output.Trim();

        SseTranscript transcript = await Client.CallAsync(McpHttpClient.ToolCall(1, "supervise-status", $$"""{"proposal_id":"{{otherId}}"}"""));

        Assert.True((bool)transcript.Response["result"]!["isError"]!);
        Assert.Contains("No proposal", (string)transcript.Response["result"]!["content"]![0]!["text"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_ends_pending_waits_with_an_mcp_error_and_exits_0_within_2_seconds()
    {
        Task<SseTranscript> call = Client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", Arguments));
        string id = await Home.WaitForPendingAsync();
        var clock = Stopwatch.StartNew();

        Serve.Terminate();
        SseTranscript transcript = await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Serve.Process.WaitForExit(TimeSpan.FromSeconds(5)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"exited after {clock.Elapsed}");
        Assert.Equal(0, Serve.Process.ExitCode);
        string message = (string)transcript.Response["error"]!["message"]!;
        Assert.Contains("shutting down", message, StringComparison.Ordinal);
        Assert.Contains(id, message, StringComparison.Ordinal);
        Assert.Equal([id], Home.PendingIds());
    }
}
