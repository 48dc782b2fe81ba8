using System.Threading;

namespace BotBottle.Sidecar.Mcp;

/// <summary>One /mcp HTTP request as the tool handlers see it, and what its log line reports.</summary>
internal sealed class RequestScope(SseKeepAliveStream stream, CancellationToken requestAborted, CancellationToken stopping)
{
    public SseKeepAliveStream Stream { get; } = stream;

    /// <summary>The client disconnected.</summary>
    public CancellationToken RequestAborted { get; } = requestAborted;

    /// <summary>The sidecar is shutting down (SIGTERM).</summary>
    public CancellationToken Stopping { get; } = stopping;

    public string? Tool { get; set; }

    public string? ProposalId { get; set; }

    public string? Outcome { get; set; }
}
