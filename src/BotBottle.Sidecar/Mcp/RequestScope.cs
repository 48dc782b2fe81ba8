using System.Threading;

namespace BotBottle.Sidecar.Mcp;

/// <summary>One /mcp HTTP request as the tool handlers see it, and what its log line reports.</summary>
internal sealed class RequestScope(SseKeepAliveStream stream, CancellationToken requestAborted, CancellationToken stopping)
{
    public SseKeepAliveStream Stream { get; } = stream;

    /// <summary>The client disconnected, or cancelled the request with notifications/cancelled (<see cref="CancelledByClient"/>).</summary>
    public CancellationToken RequestAborted { get; } = requestAborted;

    /// <summary>Set when notifications/cancelled named this request: its wait ends, the proposal stays queued.</summary>
    public bool CancelledByClient { get; set; }

    /// <summary>The sidecar is shutting down (SIGTERM).</summary>
    public CancellationToken Stopping { get; } = stopping;

    public string? Tool { get; set; }

    public string? ProposalId { get; set; }

    public string? Outcome { get; set; }
}
