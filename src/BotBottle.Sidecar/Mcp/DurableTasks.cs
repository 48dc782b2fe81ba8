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

/// <summary>
/// The MCP tasks extension (SEP-2663, protocol 2026-07-28) over the queue. A supervise call from a
/// client that opts in answers at once with a task whose id is the proposal's id, so the task is
/// as durable as the proposal: a retried identical proposal joins it, a restarted sidecar (or a
/// client in a new session) finds it, and its state is read from the database at every
/// <c>tasks/get</c>, never kept in memory. A task of another bottle does not exist here.
/// </summary>
internal sealed class DurableTasks(ISidecarStore queue)
{
    public const string ExtensionId = "io.modelcontextprotocol/tasks";

    /// <summary>
    /// What the server suggests between polls: a human decides in minutes, so polling every few
    /// seconds costs nothing and still answers within seconds; a poll after the decision gets it at once.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private const string ProtocolVersionMeta = "io.modelcontextprotocol/protocolVersion";

    /// <summary>
    /// Whether the tools/call asks for a task: its <c>_meta</c> names the extension and it speaks
    /// 2026-07-28 or later. A request without the opt-in never gets a task (the extension's rule).
    /// </summary>
    public static bool Requested(JsonRpcRequest request)
        => request.Params is JsonObject parameters
            && parameters["_meta"] is JsonObject meta
            && meta.ContainsKey(ExtensionId)
            && ProtocolVersions.HasTasks((meta[ProtocolVersionMeta] as JsonValue)?.TryGetValue(out string? version) == true ? version : null);

    /// <summary>The answer to an opted-in supervise call: the proposal's task, working.</summary>
    public static TaskHandle Created(Proposal proposal) => new()
    {
        TaskId = proposal.Id,
        Status = "working",
        StatusMessage = WaitingMessage(proposal),
        CreatedAt = proposal.ArrivalTimestamp,
        LastUpdatedAt = DateTimeOffset.UtcNow,
        PollIntervalMs = (long)PollInterval.TotalMilliseconds,
    };

    /// <summary>tasks/get and tasks/cancel, registered on every request's server.</summary>
    public McpServerRequestHandler[] Handlers() =>
    [
        new() { Method = "tasks/get", Handler = GetAsync },
        new() { Method = "tasks/cancel", Handler = CancelAsync },
    ];

    /// <summary>
    /// Withdraws the proposal: it leaves the operator's pending list and the audit log says the
    /// agent withdrew it. A decided task cannot be cancelled: its decision stands.
    /// </summary>
    private ValueTask<JsonNode?> CancelAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        Proposal proposal = Find(context.Params);
        try
        {
            queue.WithdrawProposal(proposal.Id);
        }
        catch (Storage.Errors.StorageException exception) when (exception.Kind == Storage.Errors.StorageErrorKind.Conflict)
        {
            throw new McpProtocolException($"Task {proposal.Id} cannot be cancelled: {exception.Message} tasks/get returns its result.", McpErrorCode.InvalidParams);
        }

        Logging.JsonLog.Event("withdrawn").Add("slug", queue.Slug).Add("tool", proposal.Tool).Add("proposal_id", proposal.Id).Write();
        return ValueTask.FromResult<JsonNode?>(new JsonObject { ["resultType"] = "complete" });
    }

    private async ValueTask<JsonNode?> GetAsync(RequestContext<JsonNode?> context, CancellationToken cancellationToken)
    {
        Proposal proposal = Find(context.Params);

        // Reading the decision consumes it, as the blocking call would: the sidecar's job is done
        // once the agent has it. Polling again returns the same (archived) decision.
        Response? response = await queue.ConsumeResponseAsync(proposal.Id, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        var state = new TaskState
        {
            TaskId = proposal.Id,
            CreatedAt = proposal.ArrivalTimestamp,
            PollIntervalMs = (long)PollInterval.TotalMilliseconds,
        };
        if (response is null && proposal.Archived)
        {
            // Withdrawn by the agent (tasks/cancel), or dropped by the operator without a decision.
            state.Status = "cancelled";
            state.StatusMessage = $"proposal {proposal.Id} was withdrawn before the operator answered it";
            state.LastUpdatedAt = DateTimeOffset.UtcNow;
        }
        else if (response is null)
        {
            state.Status = "working";
            state.StatusMessage = WaitingMessage(proposal, queue.ReadFirstSeen(proposal.Id));
            state.LastUpdatedAt = DateTimeOffset.UtcNow;
        }
        else
        {
            state.Status = "completed";
            state.StatusMessage = $"the operator {ResponseStatusSqliteText.ToText(response.Status)} proposal {proposal.Id}";
            state.LastUpdatedAt = DateTimeOffset.UtcNow;
            state.Result = JsonSerializer.SerializeToNode(SuperviseToolHandlers.Result(ToolResult.From(proposal, response)), McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(CallToolResult)));
        }

        return JsonSerializer.SerializeToNode(state, SidecarJsonContext.Default.TaskState);
    }

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
