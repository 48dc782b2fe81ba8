using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>The Streamable HTTP rules of /mcp, against the published binary.</summary>
public sealed class ServeHttpRulesTests : RunningServe
{
    protected override string[] ServeOptions => ["--allow-origin", "http://allowed.example"];

    private static async Task<JsonNode> ErrorBody(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    [InlineData("PUT")]
    public async Task Mcp_returns_405_with_allow_post_for(string method)
    {
        using HttpResponseMessage response = await Client.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), Serve.McpUrl));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Notification_returns_202_without_a_body()
    {
        using HttpResponseMessage response = await Client.PostAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/event-stream")]
    [InlineData("text/html")]
    public async Task Post_returns_406_when_accept_lacks_json_or_event_stream(string accept)
    {
        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.Request(1, "tools/list"), accept: accept);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    /// <summary>
    /// A client still uploading when its request is refused (through a relay, on a busy host) reads
    /// the refusal. Kestrel's own drain of an unread body gives up after 5 s and resets the connection,
    /// which is how the MCP fuzz test once lost a refused 300 KB request, twice in a row.
    /// </summary>
    [Fact]
    public async Task A_refusal_reaches_a_client_whose_upload_outlasts_five_seconds()
    {
        byte[] body = System.Text.Encoding.UTF8.GetBytes(McpHttpClient.Request(1, "ping", "{\"padding\":\"" + new string('z', 300_000) + "\"}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, Serve.McpUrl) { Content = new TrickledContent(body, TimeSpan.FromSeconds(10)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.TryAddWithoutValidation("Accept", "text/html");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using HttpResponseMessage response = await Client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Contains("Not Acceptable", (string)(await ErrorBody(response))["error"]!["message"]!, StringComparison.Ordinal);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(9), $"the upload ended after {clock.Elapsed}: the body was not trickled");
    }

    [Fact]
    public async Task Post_returns_400_for_an_unsupported_protocol_version_header()
    {
        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.Request(1, "tools/list"), configure: r => r.Headers.Add("MCP-Protocol-Version", "2024-11-05"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("2024-11-05", (string)(await ErrorBody(response))["error"]!["message"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-03-26")]
    [InlineData("2025-06-18")]
    [InlineData("2025-11-25")]
    public async Task Post_accepts_each_supported_protocol_version_header(string version)
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "tools/list"), r => r.Headers.Add("MCP-Protocol-Version", version));

        Assert.Equal(4, transcript.Response["result"]!["tools"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("2025-03-26", "2025-03-26")]
    [InlineData("2025-11-25", "2025-11-25")]
    [InlineData("2024-11-05", "2025-11-25")]
    [InlineData("2099-01-01", "2025-11-25")]
    public async Task Initialize_echoes_a_supported_version_and_offers_the_latest_otherwise(string requested, string expected)
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "initialize", $$$"""{"protocolVersion":"{{{requested}}}","capabilities":{},"clientInfo":{"name":"t","version":"1"}}"""));

        Assert.Equal(expected, (string)transcript.Response["result"]!["protocolVersion"]!);
        JsonNode capabilities = transcript.Response["result"]!["capabilities"]!;
        Assert.NotNull(capabilities["tools"]);

        // Task augmentation (2025-11-25 on) is advertised where the revision has it; logging never (serve has none).
        Assert.Equal(string.CompareOrdinal(expected, "2025-11-25") >= 0, capabilities["tasks"]?["requests"]?["tools"]?["call"] is JsonObject);
        Assert.Null(capabilities["logging"]);
    }

    [Fact]
    public async Task Logging_set_level_is_not_a_method_here_because_serve_sends_clients_no_log_messages()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "logging/setLevel", """{"level":"debug"}"""));

        Assert.Equal(-32601, (int)transcript.Response["error"]!["code"]!);
        Assert.Contains("no log messages", (string?)transcript.Response["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_list_says_which_tools_may_run_as_2025_11_25_tasks()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "tools/list"), r => r.Headers.Add("MCP-Protocol-Version", "2025-11-25"));

        var support = transcript.Response["result"]!["tools"]!.AsArray().ToDictionary(static t => (string)t!["name"]!, static t => (string?)t!["execution"]?["taskSupport"]);
        Assert.Equal(("optional", "optional", "optional"), (support["cred-proxy-block"], support["pipelock-block"], support["capability-block"]));
        Assert.Null(support["supervise-status"]);
        Assert.NotNull(transcript.Response["result"]!["tools"]![0]!["outputSchema"]);
    }

    [Fact]
    public async Task Supervise_status_refuses_to_run_as_a_task()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "tools/call", """{"name":"supervise-status","arguments":{"proposal_id":"x"},"task":{"ttl":1000}}"""), r => r.Headers.Add("MCP-Protocol-Version", "2025-11-25"));

        Assert.Equal(-32601, (int)transcript.Response["error"]!["code"]!);
        Assert.Contains("does not run as a task", (string?)transcript.Response["error"]!["message"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}""")] // SEP-2663's opt-in, as the SDKs send it
    [InlineData("""{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/tasks":{}}""")] // the bare key this server documented first
    public async Task A_2026_07_28_call_that_opts_into_the_tasks_extension_gets_a_task(string optIn)
    {
        JsonObject meta = JsonNode.Parse(optIn)!.AsObject();
        meta["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
        meta["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "t", ["version"] = "1" };
        string call = McpHttpClient.Request(1, "tools/call", new JsonObject
        {
            ["name"] = "pipelock-block",
            ["arguments"] = new JsonObject { ["proposed_file"] = "tasks.example\n", ["justification"] = "opt-in " + Guid.NewGuid().ToString("N") },
            ["_meta"] = meta,
        }.ToJsonString());

        SseTranscript transcript = await Client.CallAsync(call, r => r.Headers.Add("MCP-Protocol-Version", "2026-07-28"));

        Assert.Equal(("task", "working"), ((string?)transcript.Response["result"]!["resultType"], (string?)transcript.Response["result"]!["status"]));
        Assert.Matches("^[0-9a-f]{32}$", (string?)transcript.Response["result"]!["taskId"] ?? "");
    }

    [Fact]
    public async Task Revision_2026_07_28_is_reached_by_server_discover_and_by_an_initialize_that_asks_for_it()
    {
        const string Meta = """{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}""";
        SseTranscript discovered = await Client.CallAsync(McpHttpClient.Request(1, "server/discover", $$"""{"_meta":{{Meta}}}"""), r => r.Headers.Add("MCP-Protocol-Version", "2026-07-28"));
        Assert.Contains("2026-07-28", discovered.Response["result"]!["supportedVersions"]!.AsArray().Select(static v => (string?)v));
        Assert.NotNull(discovered.Response["result"]!["capabilities"]!["extensions"]!["io.modelcontextprotocol/tasks"]);

        // 2026-07-28 has no initialize (SEP-2575), but a client that starts with one still gets the revision.
        SseTranscript initialize = await Client.CallAsync(McpHttpClient.Request(2, "initialize", """{"protocolVersion":"2026-07-28","capabilities":{},"clientInfo":{"name":"t","version":"1"}}"""));
        Assert.Equal("2026-07-28", (string?)initialize.Response["result"]!["protocolVersion"]);
        Assert.Equal(2, (int)initialize.Response["id"]!);
        Assert.NotNull(initialize.Response["result"]!["capabilities"]!["extensions"]!["io.modelcontextprotocol/tasks"]);
        Assert.Equal("bot-bottle-supervise", (string?)initialize.Response["result"]!["serverInfo"]!["name"]);
    }

    [Fact]
    public async Task Post_returns_403_for_an_origin_outside_the_allow_list()
    {
        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.Request(1, "tools/list"), configure: r => r.Headers.Add("Origin", "http://evil.example"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{0}", true)]
    [InlineData("http://localhost:{0}", true)]
    [InlineData("http://127.0.0.1:{1}", false)] // another port: another server
    [InlineData("http://rebound.example:{0}", false)] // DNS rebinding names its own host
    [InlineData("https://127.0.0.1:{0}", false)]
    public async Task Post_accepts_the_servers_own_origin_and_nothing_that_only_resembles_it(string template, bool accepted)
    {
        int port = Serve.McpUrl.Port;
        string origin = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, port, port == 1 ? 2 : port - 1);
        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.Request(1, "tools/list"), configure: r => r.Headers.Add("Origin", origin));

        Assert.Equal(accepted ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("\"a string\"", "string")]
    [InlineData("[1, 2]", "array")]
    [InlineData("42", "number")]
    public async Task Params_that_are_not_an_object_get_invalid_params_for_that_request(string parameters, string kind)
    {
        using HttpResponseMessage response = await Client.PostAsync($$"""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{parameters}}}""");
        JsonNode body = await ErrorBody(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((7, -32602), ((int)body["id"]!, (int)body["error"]!["code"]!));
        Assert.Contains($"not a JSON {kind}", (string)body["error"]!["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_with_a_duplicate_key_is_a_parse_error_as_on_the_broker()
    {
        using HttpResponseMessage response = await Client.PostAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"ping"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(-32700, (int)(await ErrorBody(response))["error"]!["code"]!);
    }

    [Fact]
    public async Task Post_accepts_an_allowed_origin()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "tools/list"), r => r.Headers.Add("Origin", "http://allowed.example"));

        Assert.NotNull(transcript.Response["result"]);
    }

    [Fact]
    public async Task Post_returns_413_when_the_body_is_over_the_limit()
    {
        // The body limit: four times the largest file and justification (JSON escapes) plus the envelope.
        string huge = new('a', (4 * ((256 * 1024) + (8 * 1024))) + (64 * 1024));

        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.ToolCall(1, "pipelock-block", $$"""{"proposed_file":"{{huge}}","justification":"x"}"""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, Home.Count("supervise_proposals"));

        // The refused body was read to its end, so the client got the 413 rather than a reset mid-upload,
        // and the connection stays usable.
        Assert.NotEqual(true, response.Headers.ConnectionClose);
    }

    /// <summary>Connects <paramref name="socket"/> and sends a POST's headers announcing <paramref name="contentLength"/> bytes, and no body yet.</summary>
    private async Task<System.Net.Sockets.NetworkStream> PostHeadersAsync(System.Net.Sockets.TcpClient socket, long contentLength)
    {
        await socket.ConnectAsync(Serve.McpUrl.Host, Serve.McpUrl.Port);
        System.Net.Sockets.NetworkStream stream = socket.GetStream();
        string head = $"POST /mcp HTTP/1.1\r\nHost: {Serve.McpUrl.Authority}\r\nAccept: {McpHttpClient.BothAccept}\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        return stream;
    }

    /// <summary>Sends spaces at the given pace until the server answers and closes; returns what it answered.</summary>
    private static async Task<string> TrickleUntilAnsweredAsync(System.Net.Sockets.NetworkStream stream, int bytesPerTenthOfASecond)
    {
        using var stop = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(30));
        byte[] piece = System.Text.Encoding.ASCII.GetBytes(new string(' ', bytesPerTenthOfASecond));
        Task trickle = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await stream.WriteAsync(piece, stop.Token);
                    await Task.Delay(100, stop.Token);
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or System.IO.IOException)
            {
                // The server closed the connection, or the test is done.
            }
        });
        string answer = await new System.IO.StreamReader(stream).ReadToEndAsync(stop.Token);
        await stop.CancelAsync();
        await trickle;
        return answer;
    }

    [Fact]
    public async Task A_body_over_the_limit_still_arriving_after_five_seconds_is_refused_and_the_connection_closed()
    {
        // Over the limit, at 20 KB/s: fast enough for the minimum rate, far too slow to finish. serve
        // reads an oversized body for 5 s at most, as Kestrel drains one, before its 413.
        using var socket = new System.Net.Sockets.TcpClient();
        System.Net.Sockets.NetworkStream stream = await PostHeadersAsync(socket, contentLength: (4 * ((256 * 1024) + (8 * 1024))) + (64 * 1024) + (1024 * 1024));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        string answer = await TrickleUntilAnsweredAsync(stream, bytesPerTenthOfASecond: 2048);

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_body_far_over_the_limit_is_left_unread_and_the_connection_closed()
    {
        using var socket = new System.Net.Sockets.TcpClient();
        System.Net.Sockets.NetworkStream stream = await PostHeadersAsync(socket, contentLength: 64L * 1024 * 1024);

        string answer = await new System.IO.StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_body_slower_than_1_KiB_per_second_gets_408_and_the_connection_closed()
    {
        using var socket = new System.Net.Sockets.TcpClient();
        System.Net.Sockets.NetworkStream stream = await PostHeadersAsync(socket, contentLength: 20_000);

        // 100 bytes a second, well under the minimum rate.
        string answer = await TrickleUntilAnsweredAsync(stream, bytesPerTenthOfASecond: 10);

        Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Request Timeout: the request body could not be read", answer, StringComparison.Ordinal);
        Assert.DoesNotContain(Serve.Log, static line => (string?)line["event"] == "error");
    }

    [Theory]
    [InlineData("{not json", -32700)]
    [InlineData("", -32700)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}]", -32600)]
    [InlineData("{\"hello\":1}", -32600)]
    public async Task Post_returns_a_json_rpc_error_for_a_malformed_body(string body, int code)
    {
        using HttpResponseMessage response = await Client.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (int)(await ErrorBody(response))["error"]!["code"]!);
    }

    [Fact]
    public async Task Post_returns_415_for_a_non_json_content_type()
    {
        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.Request(1, "tools/list"), contentType: "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Request_is_answered_as_an_event_stream()
    {
        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.Request(1, "ping"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        SseTranscript transcript = await McpHttpClient.ReadSseAsync(response);
        Assert.NotNull(transcript.Response["result"]);
    }

    [Fact]
    public async Task Healthz_returns_200_ok()
    {
        using HttpResponseMessage response = await Client.Http.GetAsync(new Uri(Serve.BaseUrl, "/healthz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_request_is_logged_as_one_json_line()
    {
        using HttpResponseMessage response = await Client.Http.GetAsync(Serve.McpUrl);

        Assert.True(await Serve.WaitForLogAsync(static l => (string?)l["event"] == "request" && (string?)l["method"] == "GET" && (int?)l["status"] == 405, TimeSpan.FromSeconds(5)));
    }
}

public sealed class ServeTokenTests : RunningServe
{
    private string TokenFile => System.IO.Path.Combine(Home.Root, "token");

    protected override string[] ServeOptions => ["--token-file", TokenFile];

    protected override Task PrepareAsync() => System.IO.File.WriteAllTextAsync(TokenFile, "s3cret-token\n");

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    [InlineData("Basic s3cret-token")]
    public async Task Post_returns_401_without_the_right_bearer_token(string? authorization)
    {
        using HttpResponseMessage response = await Client.PostAsync(McpHttpClient.Request(1, "tools/list"), configure: r =>
        {
            if (authorization is not null)
            {
                r.Headers.TryAddWithoutValidation("Authorization", authorization);
            }
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_succeeds_with_the_bearer_token()
    {
        SseTranscript transcript = await Client.CallAsync(McpHttpClient.Request(1, "tools/list"), r => r.Headers.TryAddWithoutValidation("Authorization", "Bearer s3cret-token"));

        Assert.NotNull(transcript.Response["result"]);
    }
}

/// <summary>A body sent in 40 pieces spread over <paramref name="duration"/>, as a slow relay delivers it.</summary>
internal sealed class TrickledContent(byte[] body, TimeSpan duration) : HttpContent
{
    private const int Pieces = 40;

    protected override async Task SerializeToStreamAsync(System.IO.Stream stream, TransportContext? context)
    {
        int size = (body.Length + Pieces - 1) / Pieces;
        for (int offset = 0; offset < body.Length; offset += size)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(size, body.Length - offset)));
            await stream.FlushAsync();
            await Task.Delay(duration / Pieces);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }
}

public sealed class HealthcheckCommandTests
{
    [Fact]
    public async Task Healthcheck_exits_0_against_a_running_serve_and_1_when_nothing_listens()
    {
        using var home = new TestHome().Migrated();
        using ServeProcess serve = await ServeProcess.StartAsync(home);

        CommandResult healthy = SidecarBinary.Run("healthcheck", "--url", new Uri(serve.BaseUrl, "/healthz").ToString());
        serve.Terminate();
        Assert.True(serve.Process.WaitForExit(TimeSpan.FromSeconds(5)));
        CommandResult down = SidecarBinary.Run("healthcheck", "--url", new Uri(serve.BaseUrl, "/healthz").ToString(), "--timeout", "1");

        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.Equal("ok\n", healthy.Output);
        Assert.Equal(1, down.ExitCode);
    }
}
