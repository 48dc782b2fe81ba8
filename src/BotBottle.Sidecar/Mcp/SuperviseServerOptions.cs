using System;
using System.Collections.Generic;
using System.Net;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Mcp;

/// <summary>Everything <c>serve</c> was started with; fixed for the life of the process.</summary>
internal sealed record SuperviseServerOptions
{
    /// <summary>The bottle this sidecar serves: its queue view's, fixed at start and never taken from agent input.</summary>
    public string Slug => Queue.Slug;

    /// <summary>This bottle's view of the queue: the database in direct mode, the host broker on VM backends.</summary>
    public required ISidecarStore Queue { get; init; }

    /// <summary>The bottles table, when the sidecar has the database; behind a broker the broker registers the bottle.</summary>
    public Storage.Bottles.BottleStore? Bottles { get; init; }

    /// <summary>How often serve records in <c>bottles</c> that it is alive.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where <see cref="Queue"/> is, for the logs ("db PATH" or "broker PATH").</summary>
    public required string QueueSource { get; init; }

    public required IPEndPoint Listen { get; init; }

    /// <summary>Where the bottle's current config files are, to hash and diff against.</summary>
    public required string CurrentConfigDirectory { get; init; }

    /// <summary>When set, every /mcp request needs <c>Authorization: Bearer</c> with this token.</summary>
    public string? Token { get; init; }

    /// <summary>Origins a browser may call from; any other Origin header is refused (DNS rebinding).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Connections open at once (each waiting call holds one); Kestrel refuses more, so a flood cannot exhaust the process's descriptors.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>How often a waiting call reports progress (or writes an SSE comment); at most 15 s.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest request body accepted: the file and justification JSON-escaped (worst case
    /// roughly four bytes per byte for escaped control characters) plus the envelope.
    /// </summary>
    public static long MaxBodyBytes => (4L * (ProposalLimits.MaxFileBytes + ProposalLimits.MaxJustificationBytes)) + (64 * 1024);
}
