using System;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Queue;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace BotBottle.Sidecar.Mcp;

/// <summary>How a tools/call asked for a task, if it did.</summary>
internal enum TaskRequest
{
    /// <summary>A plain call: the tool answers when the operator decides.</summary>
    None,

    /// <summary>The tasks extension of 2026-07-28 (SEP-2663): <c>_meta</c> names it.</summary>
    Extension,

    /// <summary>Task augmentation as 2025-11-25 defines it: <c>params.task</c> (the TypeScript SDK's <c>experimental.tasks</c>).</summary>
    Augmented,
}

/// <summary>
/// Durable tasks over the queue, in both designs MCP has had: the tasks extension (SEP-2663,
/// protocol 2026-07-28) and task augmentation (protocol 2025-11-25). A supervise call that asks
/// for a task answers at once with a task whose id is the proposal's id, so the task is as durable
/// as the proposal: a retried identical proposal joins it, a restarted sidecar (or a client in a
/// new session) finds it, and its state is read from the database at every <c>tasks/get</c>, never
/// kept in memory. A task of another bottle does not exist here. Both designs read the same rows;
/// only the shapes on the wire differ, chosen per request by the revision it speaks.
/// </summary>
internal sealed class DurableTasks(ISidecarStore queue, DurableTasks.Wait wait)
{
    public const string ExtensionId = "io.modelcontextprotocol/tasks";

    /// <summary>Waits for and consumes the decision, as a blocking supervise call does (progress, shutdown, client gone).</summary>
    public delegate ValueTask<CallToolResult> Wait(McpServer server, ProgressToken? progressToken, Proposal proposal, RequestScope scope, CancellationToken cancellationToken);

    /// <summary>
    /// What the server suggests between polls: a human decides in minutes, so polling every few
    /// seconds costs nothing and still answers within seconds; a poll after the decision gets it at once.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private const string ClientCapabilitiesMeta = "io.modelcontextprotocol/clientCapabilities";

    /// <summary>2025-11-25's <c>_meta</c> key tying a result to its task.</summary>
    private const string RelatedTaskMeta = "io.modelcontextprotocol/related-task";

    /// <summary>
    /// Whether the tools/call asks for a task. The extension: the request speaks 2026-07-28 or later
    /// and its client capabilities (<c>_meta["io.modelcontextprotocol/clientCapabilities"].extensions</c>,
    /// where SEP-2663 and the SDKs put the opt-in) name the extension; a bare <c>_meta</c> key of the
    /// extension's name, which this server documented first, counts too. A request without the opt-in
    /// never gets an extension task. Augmentation: an object <c>params.task</c> from a client of an earlier revision.
    /// </summary>
    public static TaskRequest Requested(JsonRpcRequest request)
    {
        if (request.Params is not JsonObject parameters)
        {
            return TaskRequest.None;
        }

        if (SpeaksExtension(parameters))
        {
            return parameters["_meta"] is JsonObject meta
                && (meta.ContainsKey(ExtensionId) || meta[ClientCapabilitiesMeta]?["extensions"] is JsonObject extensions && extensions.ContainsKey(ExtensionId))
                ? TaskRequest.Extension
                : TaskRequest.None;
        }

        return parameters["task"] is JsonObject ? TaskRequest.Augmented : TaskRequest.None;
    }

    /// <summary>The extension's answer to an opted-in supervise call: the proposal's task, working.</summary>
    public static TaskHandle Created(Proposal proposal) => new()
    {
        TaskId = proposal.Id,
        Status = "working",
        StatusMessage = WaitingMessage(proposal),
        CreatedAt = proposal.ArrivalTimestamp,
        LastUpdatedAt = DateTimeOffset.UtcNow,
        PollIntervalMs = (long)PollInterval.TotalMilliseconds,
    };

    /// <summary>2025-11-25's answer to a task-augmented supervise call (<c>CreateTaskResult</c>).</summary>
    public static CreatedTask CreatedAugmented(Proposal proposal) => new()
    {
        Task = Snapshot(proposal, "working", WaitingMessage(proposal)),
    };

    /// <summary>tasks/get, tasks/result and tasks/cancel, registered on every request's server.</summary>
    public McpServerRequestHandler[] Handlers(RequestScope scope) =>
    [
        new() { Method = "tasks/get", Handler = GetAsync },
        new() { Method = "tasks/result", Handler = (context, cancellationToken) => ResultAsync(context, scope, cancellationToken) },
        new() { Method = "tasks/cancel", Handler = CancelAsync },
    ];

    /// <summary>
    /// Withdraws the proposal: it leaves the operator's pending list and the audit log says the
    /// agent withdrew it. A decided task cannot be cancelled: its decision stands.
    /// </summary>
    private ValueTask<JsonNode?> CancelAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        Proposal proposal = Find(context.Params);
        if (proposal.Archived)
        {
            // Terminal already: withdrawn before, or decided and the decision delivered.
            throw new McpProtocolException($"Task {proposal.Id} cannot be cancelled: it is already in a terminal status. tasks/get returns it.", McpErrorCode.InvalidParams);
        }

        try
        {
            queue.WithdrawProposal(proposal.Id);
        }
        catch (Storage.Errors.StorageException exception) when (exception.Kind == Storage.Errors.StorageErrorKind.Conflict)
        {
            throw new McpProtocolException($"Task {proposal.Id} cannot be cancelled: {exception.Message} tasks/get returns its result.", McpErrorCode.InvalidParams);
        }

        Logging.JsonLog.Event("withdrawn").Add("slug", queue.Slug).Add("tool", proposal.Tool).Add("proposal_id", proposal.Id).Write();
        return ValueTask.FromResult<JsonNode?>(SpeaksExtension(context.Params)
            ? new JsonObject { ["resultType"] = "complete" }
            : JsonSerializer.SerializeToNode(Snapshot(proposal, "cancelled", WithdrawnMessage(proposal)), TaskJsonContext.Default.TaskSnapshot));
    }

    private async ValueTask<JsonNode?> GetAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        Proposal proposal = Find(context.Params);

        // Reading the decision consumes it, as the blocking call would: the sidecar's job is done
        // once the agent has it. Polling again (or tasks/result) returns the same (archived) decision.
        Response? response = await queue.ConsumeResponseAsync(proposal.Id, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        (string status, string message) = response is not null
            ? ("completed", $"the operator {ResponseStatusSqliteText.ToText(response.Status)} proposal {proposal.Id}")
            : proposal.Archived
                // Withdrawn by the agent (tasks/cancel), or dropped by the operator without a decision.
                ? ("cancelled", WithdrawnMessage(proposal))
                : ("working", WaitingMessage(proposal, queue.ReadFirstSeen(proposal.Id)));

        if (!SpeaksExtension(context.Params))
        {
            // 2025-11-25: the state alone; the requestor fetches the result with tasks/result.
            return JsonSerializer.SerializeToNode(Snapshot(proposal, status, message), TaskJsonContext.Default.TaskSnapshot);
        }

        var state = new TaskState
        {
            TaskId = proposal.Id,
            Status = status,
            StatusMessage = message,
            CreatedAt = proposal.ArrivalTimestamp,
            LastUpdatedAt = DateTimeOffset.UtcNow,
            PollIntervalMs = (long)PollInterval.TotalMilliseconds,
            Result = response is null ? null : ToolResultNode(SuperviseToolHandlers.Result(ToolResult.From(proposal, response))),
        };
        return JsonSerializer.SerializeToNode(state, TaskJsonContext.Default.TaskState);
    }

    /// <summary>
    /// tasks/result: the tool's result once the operator decides, waiting for it as a blocking call
    /// does (2025-11-25 says the request blocks until the task is terminal), with the task named in
    /// its <c>_meta</c>. A withdrawn task has no result.
    /// </summary>
    private async ValueTask<JsonNode?> ResultAsync(RequestContext<JsonNode?> context, RequestScope scope, CancellationToken cancellationToken)
    {
        Proposal proposal = Find(context.Params);
        scope.ProposalId = proposal.Id;
        scope.Tool = proposal.Tool;
        if (proposal.Archived && await queue.ConsumeResponseAsync(proposal.Id, TimeSpan.Zero, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new McpProtocolException($"Task {proposal.Id} was cancelled: {WithdrawnMessage(proposal)}; it has no result.", McpErrorCode.InvalidParams);
        }

        CallToolResult result = await wait(context.Server, ProgressTokenOf(context.Params), proposal, scope, cancellationToken).ConfigureAwait(false);
        result.Meta = new JsonObject { [RelatedTaskMeta] = new JsonObject { ["taskId"] = proposal.Id } };
        return ToolResultNode(result);
    }

    private static JsonNode? ToolResultNode(CallToolResult result)
        => JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult)));

    private static ProgressToken? ProgressTokenOf(JsonNode? parameters) => parameters?["_meta"]?["progressToken"] is JsonValue token
        ? token.TryGetValue(out string? text) ? new ProgressToken(text) : token.TryGetValue(out long number) ? new ProgressToken(number) : null
        : null;

    /// <summary>Whether a request speaks 2026-07-28 or later, which carries its revision in <c>_meta</c>.</summary>
    private static bool SpeaksExtension(JsonNode? parameters) => ProtocolVersions.HasTasks(ProtocolVersions.InMeta(parameters));

    private Proposal Find(JsonNode? parameters)
    {
        string? taskId = (parameters?["taskId"] as JsonValue)?.TryGetValue(out string? id) == true ? id : null;
        if (string.IsNullOrEmpty(taskId))
        {
            throw new McpProtocolException("Invalid params: taskId is required (the id a supervise tool call returned as its task).", McpErrorCode.InvalidParams);
        }

        Proposal? proposal;
        try
        {
            proposal = queue.ReadProposal(taskId);
        }
        catch (Storage.Errors.StorageException exception) when (exception.Kind == Storage.Errors.StorageErrorKind.InvalidArgument)
        {
            proposal = null;
        }

        // The queue is this bottle's view: another bottle's proposal reads as absent.
        return proposal is not null
            ? proposal
            : throw new McpProtocolException($"Task not found: no task {taskId} for this bottle.", McpErrorCode.InvalidParams);
    }

    /// <summary>
    /// A 2025-11-25 task. Its ttl is null (unlimited): the proposal and its decision stay in the
    /// database, whatever ttl the requestor asked for.
    /// </summary>
    private static TaskSnapshot Snapshot(Proposal proposal, string status, string message) => new()
    {
        TaskId = proposal.Id,
        Status = status,
        StatusMessage = message,
        CreatedAt = proposal.ArrivalTimestamp,
        LastUpdatedAt = DateTimeOffset.UtcNow,
        PollInterval = (long)PollInterval.TotalMilliseconds,
    };

    private static string WithdrawnMessage(Proposal proposal) => $"proposal {proposal.Id} was withdrawn before the operator answered it";

    private static string WaitingMessage(Proposal proposal, DateTimeOffset? seen = null)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string looked = seen is { } at ? $"the operator has seen it ({Cli.LiveQueueTable.Age(now - at)} ago)" : "the operator has not looked at it yet";
        return $"pending for {Cli.LiveQueueTable.Age(now - proposal.ArrivalTimestamp)}; {looked}; proposal {proposal.Id}";
    }
}

/// <summary>A task as <c>tools/call</c> answers it (<c>resultType: "task"</c>).</summary>
internal sealed class TaskHandle : Result
{
    public TaskHandle() => ResultType = "task";

    [JsonPropertyName("taskId")]
    public required string TaskId { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("statusMessage")]
    public string? StatusMessage { get; init; }

    [JsonPropertyName("createdAt")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("lastUpdatedAt")]
    public required DateTimeOffset LastUpdatedAt { get; init; }

    [JsonPropertyName("pollIntervalMs")]
    public long PollIntervalMs { get; init; }
}

/// <summary>A task as <c>tasks/get</c> answers it: its state and, once completed, the tool's result.</summary>
internal sealed class TaskState
{
    [JsonPropertyName("taskId")]
    public required string TaskId { get; init; }

    [JsonPropertyName("status")]
    public string Status { get; set; } = "working";

    [JsonPropertyName("statusMessage")]
    public string? StatusMessage { get; set; }

    [JsonPropertyName("createdAt")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("lastUpdatedAt")]
    public DateTimeOffset LastUpdatedAt { get; set; }

    [JsonPropertyName("pollIntervalMs")]
    public long PollIntervalMs { get; init; }

    [JsonPropertyName("result")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Result { get; set; }
}

/// <summary>A task as 2025-11-25 defines it: what <c>tasks/get</c> and <c>tasks/cancel</c> answer, and <c>CreateTaskResult</c> holds.</summary>
internal sealed class TaskSnapshot
{
    [JsonPropertyName("taskId")]
    public required string TaskId { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("statusMessage")]
    public required string StatusMessage { get; init; }

    [JsonPropertyName("createdAt")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("lastUpdatedAt")]
    public required DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>Always written: null is the revision's "kept until cleaned up", and the field is required.</summary>
    [JsonPropertyName("ttl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? Ttl { get; init; }

    [JsonPropertyName("pollInterval")]
    public long PollInterval { get; init; }
}

/// <summary>2025-11-25's answer to a task-augmented tools/call.</summary>
internal sealed class CreatedTask : Result
{
    [JsonPropertyName("task")]
    public required TaskSnapshot Task { get; init; }
}

/// <summary>
/// The tasks' wire shapes. Nulls are left out (a result's unset <c>_meta</c> is absent, never null:
/// the TypeScript SDK refuses a null there); a 2025-11-25 task's ttl is written even when null.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TaskHandle))]
[JsonSerializable(typeof(TaskState))]
[JsonSerializable(typeof(TaskSnapshot))]
[JsonSerializable(typeof(CreatedTask))]
internal sealed partial class TaskJsonContext : JsonSerializerContext;
