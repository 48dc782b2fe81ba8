using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Sidecar.Logging;
using BotBottle.Sidecar.Supervise;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace BotBottle.Sidecar.Mcp;

/// <summary>
/// tools/list and tools/call for the supervise tools. A call validates the proposed file, writes
/// (or joins) the proposal, then waits for the operator while reporting progress, and returns the
/// decision as JSON text and structuredContent.
/// </summary>
internal sealed class SuperviseToolHandlers
{
    public const string StatusToolName = "supervise-status";
    public const int MaxStatusWaitSeconds = 240;

    private const string OutputSchema = """
        {
          "type": "object",
          "properties": {
            "status": { "type": "string", "enum": ["approved", "modified", "rejected", "pending"], "description": "The operator's decision, or pending while none was made." },
            "notes": { "type": "string", "description": "The operator's notes to you." },
            "final_file": { "anyOf": [{ "type": "string" }, { "type": "null" }], "description": "The file that now applies (approved: yours; modified: the operator's); null when rejected or pending." },
            "proposal_id": { "type": "string", "description": "Pass to supervise-status to keep waiting." }
          },
          "required": ["status", "notes", "final_file", "proposal_id"]
        }
        """;

    private readonly SuperviseServerOptions _options;
    private readonly ISidecarStore _queue;
    private readonly DurableTasks _tasks;
    private readonly List<Tool> _tools;
    private string[]? _initializeResults;
    private string? _toolsListResult;
    private long _refusals;

    public SuperviseToolHandlers(SuperviseServerOptions options, ISidecarStore queue)
    {
        _options = options;
        _queue = queue;
        _tasks = new DurableTasks(queue, (server, progressToken, proposal, scope, cancellationToken) => WaitAsync(server, progressToken, proposal, Timeout.InfiniteTimeSpan, scope, cancellationToken));
        JsonElement output = Element(OutputSchema);
        _tools = [.. SuperviseTool.All.Select(t => new Tool
        {
            Name = t.Name,
            Description = t.Description,
            InputSchema = Element(ProposalInputSchema(t, options)),
            OutputSchema = output,
        })];
        _tools.Add(new Tool
        {
            Name = StatusToolName,
            Description = $"Get the operator's decision on a proposal you made (use the proposal_id a supervise tool returned), waiting up to wait_seconds (at most {MaxStatusWaitSeconds}) for it. Returns status pending if there is still none.",
            InputSchema = Element($$"""
                {
                  "type": "object",
                  "properties": {
                    "proposal_id": { "type": "string", "description": "The id a supervise tool returned." },
                    "wait_seconds": { "type": "integer", "minimum": 0, "maximum": {{MaxStatusWaitSeconds}}, "default": 0, "description": "How long to wait for a decision before returning pending." }
                  },
                  "required": ["proposal_id"]
                }
                """),
            OutputSchema = output,
        });
    }

    public IReadOnlyList<Tool> Tools => _tools;

    /// <summary>
    /// What initialize answers, in every revision. Not the SDK's answer, for two reasons: its
    /// capabilities cannot carry 2025-11-25's <c>tasks</c> (what task augmentation needs), and it
    /// always advertises <c>logging</c>, which this server has none of: it sends clients no log
    /// messages, and being stateless it could not keep a level that logging/setLevel set.
    /// </summary>
    /// <remarks>
    /// The same for every request: made on first use (two requests racing make the same text), kept as
    /// text beside <see cref="ProtocolVersions.Supported"/> and parsed per request, since one JsonNode
    /// read by two requests at once is not safe. Kept as a FrozenDictionary they measured 37 KB of the
    /// executable, as JsonElements 17 KB; as text nothing.
    /// </remarks>
    public JsonNode InitializeResult(string protocolVersion)
    {
        _initializeResults ??= Array.ConvertAll(ProtocolVersions.Supported, v => BuildInitializeResult(v).ToJsonString());
        return JsonNode.Parse(_initializeResults[Array.IndexOf(ProtocolVersions.Supported, protocolVersion)])!;
    }

    private JsonNode BuildInitializeResult(string protocolVersion)
    {
        McpServerOptions server = CreateServerOptions(new RequestScope(new SseKeepAliveStream(Stream.Null), default, default));
        var result = new InitializeResult
        {
            ProtocolVersion = protocolVersion,
            Capabilities = server.Capabilities!,
            ServerInfo = server.ServerInfo!,
            Instructions = server.ServerInstructions,
        };
        JsonNode node = JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InitializeResult)))!;
        if (string.CompareOrdinal(protocolVersion, ProtocolVersions.OfferedOnInitialize) >= 0)
        {
            // Task augmentation came with 2025-11-25; the revisions before it have no such capability.
            node["capabilities"]!["tasks"] = new JsonObject
            {
                ["cancel"] = new JsonObject(),
                ["requests"] = new JsonObject { ["tools"] = new JsonObject { ["call"] = new JsonObject() } },
            };
        }

        return node;
    }

    /// <summary>
    /// tools/list before 2026-07-28, with each tool's <c>execution.taskSupport</c> (2025-11-25: a
    /// client makes a task only of a tool that says it may), which the SDK's Tool has no member for.
    /// The proposal tools are task-optional; supervise-status, a wait of its own, is not.
    /// </summary>
    public JsonNode ToolsListResult() => JsonNode.Parse(_toolsListResult ??= BuildToolsListResult().ToJsonString())!;

    private JsonNode BuildToolsListResult()
    {
        JsonNode node = JsonSerializer.SerializeToNode(new ListToolsResult { Tools = _tools }, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ListToolsResult)))!;
        foreach (JsonNode? tool in node["tools"]!.AsArray())
        {
            if (SuperviseTool.Find((string?)tool?["name"] ?? string.Empty) is not null)
            {
                tool!["execution"] = new JsonObject { ["taskSupport"] = "optional" };
            }
        }

        return node;
    }

    /// <summary>The server options for one HTTP request; the handlers see that request's stream and lifetime.</summary>
    public McpServerOptions CreateServerOptions(RequestScope scope) => new()
    {
        ServerInfo = new Implementation { Name = "bot-bottle-supervise", Version = typeof(SuperviseToolHandlers).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
        ServerInstructions = $"Tools to ask the human operator of bottle '{_options.Slug}' for config changes when a policy blocks you. Calls block until the operator decides; if your client times out, call again with the same arguments (it joins the same proposal) or use supervise-status.",
        Capabilities = new ServerCapabilities
        {
            Tools = new ToolsCapability(),
            Extensions = new Dictionary<string, object> { [DurableTasks.ExtensionId] = new JsonObject() },
        },
        Handlers = new McpServerHandlers
        {
            ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = _tools }),
            CallToolWithAlternateHandler = (context, cancellationToken) => CallAsync(context, scope, cancellationToken),
        },
        RequestHandlers = [.. _tasks.Handlers(scope)],
    };

    private static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string ProposalInputSchema(SuperviseTool tool, SuperviseServerOptions options) => $$"""
        {
          "type": "object",
          "properties": {
            "proposed_file": { "type": "string", "description": {{JsonSerializer.Serialize(tool.FileDescription + $" At most {ProposalLimits.MaxFileBytes} bytes.", SidecarJsonContext.Default.String)}} },
            "justification": { "type": "string", "description": {{JsonSerializer.Serialize($"Why you need this change; the operator reads it before deciding. At most {ProposalLimits.MaxJustificationBytes} bytes.", SidecarJsonContext.Default.String)}} },
            "wait": { "type": "boolean", "default": true, "description": "false: queue the proposal and return {status: pending, proposal_id} at once; then poll supervise-status." }
          },
          "required": ["proposed_file", "justification"]
        }
        """;

    private async ValueTask<ResultOrAlternate<CallToolResult>> CallAsync(RequestContext<CallToolRequestParams> context, RequestScope scope, CancellationToken cancellationToken)
    {
        string name = context.Params?.Name ?? string.Empty;
        scope.Tool = name;
        IDictionary<string, JsonElement> arguments = context.Params?.Arguments ?? new Dictionary<string, JsonElement>();
        TaskRequest taskRequest = DurableTasks.Requested(context.JsonRpcRequest);
        if (name == StatusToolName)
        {
            if (taskRequest == TaskRequest.Augmented)
            {
                // 2025-11-25: a tool whose taskSupport is absent (forbidden) answers a task request so.
                throw new McpProtocolException($"Method not found: {StatusToolName} does not run as a task (its taskSupport is forbidden); call it without params.task.", McpErrorCode.MethodNotFound);
            }

            return await StatusAsync(context, arguments, scope, cancellationToken).ConfigureAwait(false);
        }

        SuperviseTool tool = SuperviseTool.Find(name)
            ?? throw new McpProtocolException($"Unknown tool '{name}'; this server offers {string.Join(", ", _tools.Select(static t => t.Name))}.", McpErrorCode.InvalidParams);

        if (!TryGetString(arguments, "proposed_file", out string? file))
        {
            return Error($"proposed_file is required and must be a string: {tool.FileDescription}");
        }

        if (!TryGetString(arguments, "justification", out string? justification))
        {
            return Error("justification is required: a string telling the operator why you need this change.");
        }

        if (!TryGetBool(arguments, "wait", defaultValue: true, out bool wait))
        {
            return Error("wait must be true or false.");
        }

        ProposalWriteResult written;
        try
        {
            written = _queue.Propose(tool.Name, file, justification, ReadCurrentFile(tool));
        }
        catch (StorageException exception)
        {
            return StorageError(exception, scope, tool.Name);
        }

        scope.ProposalId = written.Proposal.Id;
        JsonLog.Event("proposal").Add("slug", _options.Slug).Add("tool", tool.Name).Add("proposal_id", written.Proposal.Id).Add("joined", written.Joined).Write();
        if (taskRequest != TaskRequest.None)
        {
            // The client polls tasks/get; the proposal is the task, so nothing waits here.
            scope.Outcome = "task";
            return taskRequest == TaskRequest.Extension
                ? ResultOrAlternate<CallToolResult>.FromAlternate(DurableTasks.Created(written.Proposal), TaskJsonContext.Default.TaskHandle)
                : ResultOrAlternate<CallToolResult>.FromAlternate(DurableTasks.CreatedAugmented(written.Proposal), TaskJsonContext.Default.CreatedTask);
        }

        if (!wait)
        {
            scope.Outcome = "pending";
            return Result(ToolResult.Pending(written.Proposal.Id));
        }

        return await WaitAsync(context.Server, context.Params?.ProgressToken, written.Proposal, Timeout.InfiniteTimeSpan, scope, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CallToolResult> StatusAsync(RequestContext<CallToolRequestParams> context, IDictionary<string, JsonElement> arguments, RequestScope scope, CancellationToken cancellationToken)
    {
        if (!TryGetString(arguments, "proposal_id", out string? proposalId) || proposalId.Length == 0)
        {
            return Error("proposal_id is required: the id a supervise tool returned.");
        }

        int waitSeconds = 0;
        if (arguments.TryGetValue("wait_seconds", out JsonElement waitElement)
            && (waitElement.ValueKind != JsonValueKind.Number || !waitElement.TryGetInt32(out waitSeconds) || waitSeconds is < 0 or > MaxStatusWaitSeconds))
        {
            return Error($"wait_seconds must be a whole number from 0 to {MaxStatusWaitSeconds}.");
        }

        scope.ProposalId = proposalId;
        Proposal? proposal;
        try
        {
            proposal = _queue.ReadProposal(proposalId);
        }
        catch (StorageException exception)
        {
            return StorageError(exception, scope, StatusToolName);
        }

        // The queue is this bottle's view: another bottle's proposal reads as absent.
        if (proposal is null)
        {
            return Error($"No proposal {proposalId} for this bottle; use the proposal_id a supervise tool returned.");
        }

        return await WaitAsync(context.Server, context.Params?.ProgressToken, proposal, TimeSpan.FromSeconds(waitSeconds), scope, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<CallToolResult> WaitAsync(McpServer server, ProgressToken? progressToken, Proposal proposal, TimeSpan limit, RequestScope scope, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, scope.RequestAborted, scope.Stopping);
        // Waiting and consuming are one store call: the decision is archived exactly when it is returned.
        Task<Response?> wait = _queue.ConsumeResponseAsync(proposal.Id, limit, linked.Token);
        using (var ticker = new PeriodicTimer(_options.ProgressInterval))
        {
            int ticks = 0;
            while (!wait.IsCompleted && !linked.IsCancellationRequested)
            {
                Task<bool> tick = ticker.WaitForNextTickAsync(linked.Token).AsTask();
                if (await Task.WhenAny(wait, tick).ConfigureAwait(false) == wait || linked.IsCancellationRequested)
                {
                    break;
                }

                ticks++;
                string message = $"waiting for the operator to answer proposal {proposal.Id}";
                try
                {
                    if (progressToken is { } token)
                    {
                        await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = ticks, Message = message }, cancellationToken: linked.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        await scope.Stream.TryWriteCommentAsync(message, linked.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // The client is gone; the wait below sees the cancellation.
                }
            }
        }

        Response? response;
        try
        {
            response = await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (scope.Stopping.IsCancellationRequested)
        {
            scope.Outcome = "shutdown";
            // A JSON-RPC error, not a tool result: the call did not complete, and the client must not read it as a decision.
            throw new McpProtocolException(
                $"bot-bottle-sidecar is shutting down. Proposal {proposal.Id} stays queued for the operator; when the sidecar is back, call supervise-status with proposal_id {proposal.Id} to get the decision.",
                McpErrorCode.InternalError);
        }
        catch (OperationCanceledException)
        {
            // The client went away or cancelled the call: the proposal stays for the operator, nothing is archived.
            scope.Outcome = scope.CancelledByClient ? "cancelled" : "client_gone";
            string reason = scope.CancelledByClient ? "the client cancelled the call (notifications/cancelled)" : "client disconnected";
            JsonLog.Event("wait_ended").Add("proposal_id", proposal.Id).Add("reason", reason + "; proposal stays queued").Write();
            throw;
        }
        catch (StorageException exception)
        {
            return StorageError(exception, scope, proposal.Tool);
        }

        if (response is null)
        {
            scope.Outcome = "pending";
            return Result(ToolResult.Pending(proposal.Id));
        }

        string status = ResponseStatusSqliteText.ToText(response.Status);
        scope.Outcome = status;

        // Joined retries wait on one proposal: only the call that consumed the decision logs it.
        if (!response.Archived)
        {
            JsonLog.Event("decision").Add("slug", _options.Slug).Add("tool", proposal.Tool).Add("proposal_id", proposal.Id).Add("status", status).Write();
        }
        return Result(ToolResult.From(proposal, response));
    }

    /// <summary>
    /// A storage failure as the agent sees it: a tool error that starts with the error's stable
    /// code ("limit_reached: …") and says what to do, and the same in the log, so a refusal or a
    /// broken database is never hidden behind a generic message.
    /// </summary>
    private CallToolResult StorageError(StorageException exception, RequestScope scope, string tool)
    {
        string code = StorageErrorCodes.Name(exception.Kind);
        scope.Outcome = exception.Kind == StorageErrorKind.InvalidArgument ? "invalid" : code;
        string message = AgentText.Visible(exception.Message, multiline: false);
        JsonLog.Event(exception.Kind == StorageErrorKind.LimitReached ? "proposal_refused" : "tool_error")
            .Add("slug", _options.Slug)
            .Add("tool", tool)
            .Add("error", code)
            .Add("limit", (exception as LimitReachedException)?.Limit)
            .Add("refusals", exception.Kind == StorageErrorKind.LimitReached ? Interlocked.Increment(ref _refusals) : null)
            .Add("message", message)
            .Write();
        return Error(code + ": " + message);
    }

    private string? ReadCurrentFile(SuperviseTool tool)
    {
        string path = Path.Combine(_options.CurrentConfigDirectory, tool.FileName);
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.Length <= ProposalLimits.MaxCurrentFileBytes ? File.ReadAllText(path) : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool TryGetString(IDictionary<string, JsonElement> arguments, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = arguments.TryGetValue(name, out JsonElement element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    private static bool TryGetBool(IDictionary<string, JsonElement> arguments, string name, bool defaultValue, out bool value)
    {
        value = defaultValue;
        if (!arguments.TryGetValue(name, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }

        return false;
    }

    public static CallToolResult Result(ToolResult result) => new()
    {
        Content = [new TextContentBlock { Text = JsonSerializer.Serialize(result, SidecarJson.Readable.ToolResult) }],
        StructuredContent = JsonSerializer.SerializeToElement(result, SidecarJson.Readable.ToolResult),
        IsError = false,
    };

    private static CallToolResult Error(string message) => new()
    {
        Content = [new TextContentBlock { Text = message }],
        IsError = true,
    };
}
