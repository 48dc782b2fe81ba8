using System;

namespace BotBottle.Sidecar.Mcp;

/// <summary>The MCP protocol revisions this server speaks over Streamable HTTP.</summary>
internal static class ProtocolVersions
{
    public const string Latest = "2025-11-25";

    /// <summary>A client that sends no MCP-Protocol-Version header is assumed to speak this one (the spec's rule).</summary>
    public const string AssumedWithoutHeader = "2025-03-26";

    public static readonly string[] Supported = ["2025-03-26", "2025-06-18", Latest];

    public static bool IsSupported(string? version) => version is not null && Array.IndexOf(Supported, version) >= 0;
}
