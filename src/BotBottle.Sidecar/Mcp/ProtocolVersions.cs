using System;

namespace BotBottle.Sidecar.Mcp;

/// <summary>The MCP protocol revisions this server speaks over Streamable HTTP.</summary>
internal static class ProtocolVersions
{
    /// <summary>The revision with the tasks extension (SEP-2663), per-request metadata and server/discover.</summary>
    public const string Tasks = "2026-07-28";

    /// <summary>
    /// What initialize offers a client that asked for a revision this server does not speak: the
    /// newest one whose clients begin with initialize, so an old client is not handed a revision
    /// built around server/discover.
    /// </summary>
    public const string OfferedOnInitialize = "2025-11-25";

    /// <summary>A client that sends no MCP-Protocol-Version header is assumed to speak this one (the spec's rule).</summary>
    public const string AssumedWithoutHeader = "2025-03-26";

    public static readonly string[] Supported = ["2025-03-26", "2025-06-18", OfferedOnInitialize, Tasks];

    public static bool IsSupported(string? version) => version is not null && Array.IndexOf(Supported, version) >= 0;

    /// <summary>The revision a request names in its <c>_meta</c> (2026-07-28 and later carry it on every request), or null.</summary>
    public static string? InMeta(System.Text.Json.Nodes.JsonNode? parameters)
        => (parameters?["_meta"]?["io.modelcontextprotocol/protocolVersion"] as System.Text.Json.Nodes.JsonValue)?.TryGetValue(out string? version) == true ? version : null;

    /// <summary>Whether <paramref name="version"/> is <see cref="Tasks"/> or later (revisions are dates, so they sort as text).</summary>
    public static bool HasTasks(string? version) => version is not null && string.CompareOrdinal(version, Tasks) >= 0;
}
