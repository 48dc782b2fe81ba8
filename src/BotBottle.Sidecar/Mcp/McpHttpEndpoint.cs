using System;
using System.Net;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using BotBottle.Sidecar.Logging;
using BotBottle.Storage.Queue;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace BotBottle.Sidecar.Mcp;

/// <summary>
/// <c>/mcp</c>: Streamable HTTP, stateless. Each POST carries one JSON-RPC message; a request is
/// answered on its own <c>text/event-stream</c> response by a fresh MCP server over the SDK's
/// <see cref="StreamableHttpServerTransport"/>. HTTP-level rules are checked first, cheapest first.
/// </summary>
internal sealed class McpHttpEndpoint(SuperviseServerOptions options, SuperviseToolHandlers tools, CancellationToken stopping)
{
    private static readonly JsonSerializerOptions McpJson = McpJsonUtilities.DefaultOptions;

    /// <summary>
    /// Requests in flight, by whose ids they are (the client's <c>Mcp-Session-Id</c>, else its address)
    /// and JSON-RPC id, so notifications/cancelled (which arrives on its own POST) finds its request.
    /// Every client numbers its requests 1, 2, 3…, so without a session several calls may share a key;
    /// a cancel then ends one only when it is the only match. Guarded by locking the dictionary.
    /// </summary>
    private readonly Dictionary<string, List<InFlight>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>
    /// The header that gives a client its own namespace of request ids: issued on initialize, sent back
    /// on every later request. The data stays in the database, so it names whose ids are whose and
    /// nothing else; a restart that forgets it loses nothing.
    /// </summary>
    private const string SessionHeader = "Mcp-Session-Id";

    /// <summary>How far past the body limit a refused body is still read, so its client can read the refusal.</summary>
    private const long OverLimitDrainBytes = 4 * 1024 * 1024;

    /// <summary>
    /// How long a body over the limit is read before its 413 is sent anyway: Kestrel's own bound on
    /// draining, so a peer trickling an oversized body holds the connection no longer than before.
    /// </summary>
    private static readonly TimeSpan OverLimitDrainTime = TimeSpan.FromSeconds(5);

    public async Task HandleAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        var log = new RequestLogFields();
        try
        {
            await ProcessAsync(context, log).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            log.Outcome ??= "client_gone";
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            // The body broke Kestrel's rules (slower than the minimum rate, malformed chunks): the
            // client's fault, answered with Kestrel's own status and the connection closed.
            log.Outcome = "bad_body";
            CloseAfterResponse(context);
            await WriteErrorAsync(context, exception.StatusCode, -32000, $"{ReasonPhrases.GetReasonPhrase(exception.StatusCode)}: the request body could not be read: {exception.Message}").ConfigureAwait(false);
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            // Whatever slipped past the checks still gets a JSON-RPC body, and the log records the 500.
            log.Outcome = "handler_error";
            JsonLog.Event("error").Add("rpc", log.RpcMethod).Add("type", exception.GetType().Name).Write();
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, (int)McpErrorCode.InternalError, "Internal error: the request could not be processed.").ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Too late for an error response: Kestrel aborts the connection, and its logging is off, so
            // this line is the only record of why the client's stream broke.
            log.Outcome = "handler_error";
            JsonLog.Event("error").Add("rpc", log.RpcMethod).Add("type", exception.GetType().Name).Add("message", exception.Message).Write();
            throw;
        }
        finally
        {
            JsonLog.Event("request")
                .Add("method", context.Request.Method)
                .Add("path", context.Request.Path.Value)
                .Add("status", context.Response.StatusCode)
                .Add("duration_ms", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)
                .Add("rpc", log.RpcMethod)
                .Add("tool", log.Scope?.Tool)
                .Add("proposal_id", log.Scope?.ProposalId)
                .Add("outcome", log.Outcome ?? log.Scope?.Outcome)
                .Write();
        }
    }

    private async Task ProcessAsync(HttpContext context, RequestLogFields log)
    {
        HttpRequest request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            // Stateless server: no standalone GET stream and no session to DELETE.
            context.Response.Headers.Allow = "POST";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, -32000, "Method Not Allowed: this MCP endpoint accepts POST only (stateless Streamable HTTP; no GET stream, no sessions to DELETE).").ConfigureAwait(false);
            return;
        }

        // Refusals before the token check leave the body to Kestrel, which drains it for at most 5 s and
        // then resets the connection: a peer that has not shown the token gets no longer than that.
        string? origin = request.Headers.Origin;
        if (origin is not null && !options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase) && !IsOwnOrigin(origin, context.Connection))
        {
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, -32000, $"Forbidden: Origin '{origin}' is not allowed; start serve with --allow-origin {origin} if this client is legitimate.").ConfigureAwait(false);
            return;
        }

        if (options.Token is { } token && !BearerMatches(request.Headers.Authorization, token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, -32000, "Unauthorized: send 'Authorization: Bearer <token>' with the token this sidecar was started with.").ConfigureAwait(false);
            return;
        }

        if (!AcceptsJsonAndEventStream(request.Headers.Accept))
        {
            await RefuseAfterBodyAsync(context, StatusCodes.Status406NotAcceptable, -32000, "Not Acceptable: the Accept header must list both application/json and text/event-stream.").ConfigureAwait(false);
            return;
        }

        if (!IsJsonContentType(request.ContentType))
        {
            await RefuseAfterBodyAsync(context, StatusCodes.Status415UnsupportedMediaType, -32000, "Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json.").ConfigureAwait(false);
            return;
        }

        string? version = request.Headers["MCP-Protocol-Version"];
        if (version is not null && !ProtocolVersions.IsSupported(version))
        {
            await RefuseAfterBodyAsync(context, StatusCodes.Status400BadRequest, -32000, $"Bad Request: unsupported MCP-Protocol-Version '{version}'; this server speaks {string.Join(", ", ProtocolVersions.Supported)}.").ConfigureAwait(false);
            return;
        }

        byte[]? body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await DiscardBodyAsync(context, OverLimitDrainTime).ConfigureAwait(false);
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, -32000, $"Payload Too Large: the request body exceeds {SuperviseServerOptions.MaxBodyBytes} bytes; proposed files are limited to {ProposalLimits.MaxFileBytes} bytes.").ConfigureAwait(false);
            return;
        }

        JsonRpcMessage? message = await ParseMessageAsync(context, body).ConfigureAwait(false);
        if (message is null)
        {
            return;
        }

        if (message is not JsonRpcRequest rpcRequest)
        {
            // Notifications and responses need no answer; a cancellation ends the wait it names.
            log.RpcMethod = (message as JsonRpcNotification)?.Method;
            if (message is JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled)
            {
                log.Outcome = Cancel(context, cancelled);
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        log.RpcMethod = rpcRequest.Method;
        switch (rpcRequest.Method)
        {
            case RequestMethods.Initialize:
                // The transport reads initialize's params itself and throws on a bad shape; refuse it first.
                if (!IsValidInitialize(rpcRequest))
                {
                    await WriteErrorAsync(context, StatusCodes.Status400BadRequest, (int)McpErrorCode.InvalidParams, "Invalid params: initialize needs {protocolVersion: string, capabilities: object, clientInfo: {name: string, version: string}}.").ConfigureAwait(false);
                    return;
                }

                // The spec's rule: echo a revision we speak, otherwise offer ours. 2026-07-28 has no
                // initialize (SEP-2575; its clients start with server/discover) and the SDK refuses one
                // that asks for it with -32022; a stateless server loses nothing by saying yes instead, and
                // a client that begins with initialize gets the revision and its tasks without a second round trip.
                string? requested = RequestedVersion(rpcRequest);
                string offered = ProtocolVersions.IsSupported(requested) ? requested! : ProtocolVersions.OfferedOnInitialize;
                await AnswerHereAsync(context, new JsonRpcResponse { Id = rpcRequest.Id, Result = tools.InitializeResult(offered) }, newSession: true).ConfigureAwait(false);
                return;

            case RequestMethods.ToolsList when !ProtocolVersions.HasTasks(version) && !ProtocolVersions.HasTasks(ProtocolVersions.InMeta(rpcRequest.Params)):
                await AnswerHereAsync(context, new JsonRpcResponse { Id = rpcRequest.Id, Result = tools.ToolsListResult() }, newSession: false).ConfigureAwait(false);
                return;

            case "logging/setLevel":
                var error = new JsonRpcError { Id = rpcRequest.Id, Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.MethodNotFound, Message = "Method not found: logging/setLevel. This server sends clients no log messages and advertises no logging capability; its log is JSON lines on its own stderr." } };
                await AnswerHereAsync(context, error, newSession: false).ConfigureAwait(false);
                return;
        }

        await AnswerAsync(context, rpcRequest, log).ConfigureAwait(false);
    }

    /// <summary>Answers with one message in an event stream, as the SDK's transport would, for the requests this endpoint answers itself.</summary>
    private static async Task AnswerHereAsync(HttpContext context, JsonRpcMessage message, bool newSession)
    {
        if (newSession)
        {
            context.Response.Headers[SessionHeader] = NewSessionId();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache, no-store";
        await using var stream = new SseKeepAliveStream(context.Response.Body);
        await stream.TryWriteEventAsync(JsonSerializer.Serialize(message, McpJson.GetTypeInfo(typeof(JsonRpcMessage))), context.RequestAborted).ConfigureAwait(false);
    }

    private static string? RequestedVersion(JsonRpcRequest request)
        => request.Params is JsonObject parameters && (parameters["protocolVersion"] as JsonValue)?.TryGetValue(out string? requested) == true ? requested : null;

    private async Task AnswerAsync(HttpContext context, JsonRpcRequest rpcRequest, RequestLogFields log)
    {
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // Answer at once: clients with a header timeout see the stream open before the operator decides.
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);

        await using var stream = new SseKeepAliveStream(response.Body);
        using var callEnded = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var scope = new RequestScope(stream, callEnded.Token, stopping);
        log.Scope = scope;
        string key = InFlightKey(context, rpcRequest.Id.ToString());
        var call = new InFlight(callEnded, scope);
        lock (_inFlight)
        {
            if (!_inFlight.TryGetValue(key, out List<InFlight>? calls))
            {
                _inFlight[key] = calls = [];
            }

            calls.Add(call);
        }

        var transport = new StreamableHttpServerTransport { Stateless = true };
        await using McpServer server = McpServer.Create(transport, tools.CreateServerOptions(scope));
        Task run = server.RunAsync(context.RequestAborted);
        try
        {
            await transport.HandlePostRequestAsync(rpcRequest, stream, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (!scope.CancelledByClient && (exception is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested))
        {
            // The stream is open: answer with a JSON-RPC error event rather than dropping the connection.
            log.Outcome = "handler_error";
            JsonLog.Event("error").Add("rpc", rpcRequest.Method).Add("type", exception.GetType().Name).Write();
            var error = new JsonRpcError { Id = rpcRequest.Id, Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = "The request could not be processed: " + exception.Message } };
            await stream.TryWriteEventAsync(JsonSerializer.Serialize(error, McpJson.GetTypeInfo(typeof(JsonRpcError))), context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (scope.CancelledByClient)
        {
            // The client cancelled: the stream is sealed, and a cancelled request gets no response.
        }
        finally
        {
            lock (_inFlight)
            {
                if (_inFlight.TryGetValue(key, out List<InFlight>? calls) && calls.Remove(call) && calls.Count == 0)
                {
                    _inFlight.Remove(key);
                }
            }

            await transport.DisposeAsync().ConfigureAwait(false);
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client left; the server loop ends with it.
            }
        }
    }

    /// <summary>
    /// Refuses a request from a peer past the token check once its body has arrived. Answering first
    /// leaves the body to Kestrel's drain, which gives up after 5 s and resets the connection; a client
    /// still uploading then (through a relay, on a busy host) would read a reset instead of the refusal.
    /// The body is read at the same minimum rate as any request's.
    /// </summary>
    private static async Task RefuseAfterBodyAsync(HttpContext context, int statusCode, int code, string message)
    {
        await DiscardBodyAsync(context, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        await WriteErrorAsync(context, statusCode, code, message).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads and drops the rest of a body that is being refused, up to the body limit plus
    /// <see cref="OverLimitDrainBytes"/> and for at most <paramref name="time"/>, so that a client still
    /// sending it (HttpClient finishes its upload before it looks at the answer) reads the refusal. A
    /// larger or slower body is left unread.
    /// </summary>
    private static async Task DiscardBodyAsync(HttpContext context, TimeSpan time)
    {
        long most = SuperviseServerOptions.MaxBodyBytes + OverLimitDrainBytes;
        if (context.Request.ContentLength > most)
        {
            CloseAfterResponse(context);
            return;
        }

        // Kestrel's own limit is the body limit; reading the overflow needs it raised, which is
        // possible only before the first read (a chunked body already read past the limit is closed).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = most;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(time);
        try
        {
            byte[] chunk = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > most)
                {
                    CloseAfterResponse(context);
                    return;
                }
            }
        }
        catch (BadHttpRequestException)
        {
            // Over the size limit or under the minimum rate.
            CloseAfterResponse(context);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Out of time: refuse now, leaving the rest unread.
            CloseAfterResponse(context);
        }
    }

    /// <summary>
    /// Says "Connection: close" on a response whose request body was left unread because it is too
    /// large or too slow. Kestrel closes such a connection after the response anyway; without the
    /// header a client that did read the response puts the connection back in its pool, and its next
    /// request fails on the closed socket (a broken pipe, or a response that ended prematurely).
    /// </summary>
    private static void CloseAfterResponse(HttpContext context) => context.Response.Headers.Connection = "close";

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > SuperviseServerOptions.MaxBodyBytes)
        {
            return null;
        }

        try
        {
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > SuperviseServerOptions.MaxBodyBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }

    private static async Task<JsonRpcMessage?> ParseMessageAsync(HttpContext context, byte[] body)
    {
        if (FindMalformedText(body) is { } problem)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, -32700, "Parse error: " + problem + "; send well-formed UTF-8 JSON.").ConfigureAwait(false);
            return null;
        }

        JsonNode? node;
        try
        {
            // Duplicate keys are refused, as the broker refuses them: "last one wins" would let two
            // readers of one message see different values.
            node = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException exception)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, -32700, "Parse error: the body is not valid JSON (" + exception.Message + ")").ConfigureAwait(false);
            return null;
        }

        if (node is JsonArray)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, -32600, "Invalid Request: JSON-RPC batches are not supported; send one message per POST.").ConfigureAwait(false);
            return null;
        }

        JsonRpcMessage? message = null;
        try
        {
            if (node is JsonObject)
            {
                message = (JsonRpcMessage?)node.Deserialize(McpJson.GetTypeInfo(typeof(JsonRpcMessage)));
            }
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, -32600, "Invalid Request: the body must be one JSON-RPC 2.0 request, notification or response object.").ConfigureAwait(false);
        }

        // MCP's params are always an object; anything else would fail deep in a handler as an internal error.
        if (message is JsonRpcRequest request && node?["params"] is { } parameters && parameters is not JsonObject)
        {
            await WriteErrorAsync(context, StatusCodes.Status200OK, -32602, $"Invalid params: {request.Method}'s params must be a JSON object, not a JSON {parameters.GetValueKind().ToString().ToLowerInvariant()}.", request.Id).ConfigureAwait(false);
            return null;
        }

        return message;
    }

    /// <summary>
    /// Invalid UTF-8 or an unpaired surrogate escape (<c>\ud800</c>) anywhere in a string or a
    /// property name: JSON's grammar lets them through, but no string can hold them, so they are a
    /// parse error up front rather than a failure deep inside the handler.
    /// </summary>
    private static string? FindMalformedText(byte[] body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (InvalidOperationException)
        {
            return $"the string at byte {reader.TokenStartIndex} is not valid Unicode (invalid UTF-8 or an unpaired surrogate)";
        }
        catch (JsonException)
        {
            // Malformed JSON is reported by the parser with its own position.
            return null;
        }

        return null;
    }

    private static bool IsValidInitialize(JsonRpcRequest request)
    {
        try
        {
            return request.Params is JsonObject
                && request.Params.Deserialize(McpJson.GetTypeInfo(typeof(InitializeRequestParams))) is InitializeRequestParams { ClientInfo: { Name: not null, Version: not null } };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool AcceptsJsonAndEventStream(string? accept)
    {
        if (string.IsNullOrEmpty(accept))
        {
            return false;
        }

        bool json = false, eventStream = false;
        foreach (string part in accept.Split(','))
        {
            string mediaType = part.Split(';')[0].Trim().ToLowerInvariant();
            json |= mediaType is "application/json" or "application/*" or "*/*";
            eventStream |= mediaType is "text/event-stream" or "text/*" or "*/*";
        }

        return json && eventStream;
    }

    private static bool IsJsonContentType(string? contentType)
        => contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <paramref name="origin"/> is this server's own: <c>http://</c> the very address and port
    /// the connection reached (or <c>localhost</c> on a loopback one). A page that DNS rebinding points
    /// here has its own host name in its Origin, never the address literal, so this opens nothing to it.
    /// </summary>
    private static bool IsOwnOrigin(string origin, ConnectionInfo connection)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttp || uri.Port != connection.LocalPort
            || uri.AbsolutePath != "/" || connection.LocalIpAddress is not { } local)
        {
            return false;
        }

        IPAddress localAddress = local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
        return uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            ? IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? named) && named.Equals(localAddress)
            : string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) && IPAddress.IsLoopback(localAddress);
    }

    private static bool BearerMatches(string? authorization, string token)
    {
        const string Prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] given = Encoding.UTF8.GetBytes(authorization[Prefix.Length..].Trim());
        byte[] expected = Encoding.UTF8.GetBytes(token);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static async Task WriteErrorAsync(HttpContext context, int statusCode, int code, string message, RequestId id = default)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        var error = new JsonRpcError { Id = id, Error = new JsonRpcErrorDetail { Code = code, Message = message } };
        await context.Response.WriteAsync(JsonSerializer.Serialize(error, McpJson.GetTypeInfo(typeof(JsonRpcError))), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the wait of the request notifications/cancelled names, if it is this client's: in its
    /// session, or, for a client without one, the only call from its address with that id (two
    /// clients there may both have a call 2; guessing would end the wrong one).
    /// </summary>
    /// <returns>What happened, for the request log.</returns>
    private string Cancel(HttpContext context, JsonRpcNotification cancelled)
    {
        if (cancelled.Params is not JsonObject parameters || parameters["requestId"] is not JsonValue id)
        {
            return "nothing_to_cancel";
        }

        InFlight call;
        lock (_inFlight)
        {
            if (!_inFlight.TryGetValue(InFlightKey(context, id.ToJsonString() is var text && text.StartsWith('"') ? id.GetValue<string>() : text), out List<InFlight>? calls))
            {
                return "nothing_to_cancel";
            }

            if (calls.Count != 1)
            {
                return "ambiguous_cancel";
            }

            call = calls[0];
        }

        call.Scope.CancelledByClient = true;
        call.Scope.Stream.Seal();
        call.Ended.Cancel();
        return "cancelled_request";
    }

    private static string InFlightKey(HttpContext context, string requestId)
        => (SessionOf(context) is { } session ? "session " + session : "peer " + context.Connection.RemoteIpAddress) + "\n" + requestId;

    /// <summary>The client's session id: one header of 1 to 128 visible ASCII characters (as MCP defines it), else none.</summary>
    private static string? SessionOf(HttpContext context)
        => context.Request.Headers[SessionHeader] is { Count: 1 } values && values[0] is { Length: > 0 and <= 128 } session && session.All(static c => c is > ' ' and < '\u007f')
            ? session
            : null;

    private static string NewSessionId() => Guid.NewGuid().ToString("N");

    private sealed record InFlight(CancellationTokenSource Ended, RequestScope Scope);

    private sealed class RequestLogFields
    {
        public string? RpcMethod { get; set; }

        public string? Outcome { get; set; }

        public RequestScope? Scope { get; set; }
    }
}
