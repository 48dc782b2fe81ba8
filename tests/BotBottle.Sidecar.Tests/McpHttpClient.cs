using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>A plain Streamable HTTP client: what any MCP client sends, with full control over headers.</summary>
public sealed class McpHttpClient(Uri url) : IDisposable
{
    public const string BothAccept = "application/json, text/event-stream";

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public Uri Url { get; } = url;

    public HttpClient Http => _http;

    public static string Request(int id, string method, string paramsJson = "{}")
        => $$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{paramsJson}}}""";

    public static string ToolCall(int id, string tool, string argumentsJson, string? progressToken = null)
        => Request(id, "tools/call", progressToken is null
            ? $$"""{"name":"{{tool}}","arguments":{{argumentsJson}}}"""
            : $$$"""{"name":"{{{tool}}}","arguments":{{{argumentsJson}}},"_meta":{"progressToken":"{{{progressToken}}}"}}""");

    public Task<HttpResponseMessage> PostAsync(
        string body,
        string accept = BothAccept,
        string contentType = "application/json",
        Action<HttpRequestMessage>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        configure?.Invoke(request);
        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Posts a request and reads its SSE stream to the end.</summary>
    public async Task<SseTranscript> CallAsync(string body, Action<HttpRequestMessage>? configure = null, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await PostAsync(body, configure: configure, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            throw new InvalidOperationException($"expected an event stream, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        return await ReadSseAsync(response, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<SseTranscript> ReadSseAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var transcript = new SseTranscript();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    transcript.Messages.Add(JsonNode.Parse(data.ToString())!);
                    data.Clear();
                }
            }
            else if (line.StartsWith(':'))
            {
                transcript.Comments.Add(line[1..].Trim());
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].TrimStart());
            }
        }

        return transcript;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Everything an SSE response carried.</summary>
public sealed class SseTranscript
{
    public List<JsonNode> Messages { get; } = [];

    public List<string> Comments { get; } = [];

    /// <summary>The JSON-RPC response (the message with an id and a result or error).</summary>
    public JsonNode Response => Messages.Find(static m => m["id"] is not null && (m["result"] is not null || m["error"] is not null))
        ?? throw new InvalidOperationException("no JSON-RPC response in the stream: " + string.Join('\n', Messages));

    public List<JsonNode> Notifications(string method) => Messages.FindAll(m => (string?)m["method"] == method);
}
