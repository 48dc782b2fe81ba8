using System;

namespace BotBottle.Sidecar.Supervise;

/// <summary>A supervise MCP tool: the config file it proposes and how that file is checked.</summary>
/// <param name="Name">The MCP tool name, also the proposal's tool and the audit component.</param>
/// <param name="FileName">The file in the current-config directory that the proposal replaces.</param>
/// <param name="Description">What the agent reads in tools/list.</param>
/// <param name="FileDescription">What proposed_file must hold (the store checks it: <see cref="Storage.Queue.ProposedFileRules"/>).</param>
internal sealed record SuperviseTool(string Name, string FileName, string Description, string FileDescription)
{
    public static readonly SuperviseTool CredProxyBlock = new(
        "cred-proxy-block",
        "routes.json",
        "Ask the operator to change the credential proxy's routes when an outbound request was blocked or lacks credentials. Send the complete proposed routes.json and why you need it. Blocks until the operator approves, modifies or rejects (set wait=false to return at once and poll with supervise-status).",
        "The complete proposed routes.json: one JSON object.");

    public static readonly SuperviseTool PipelockBlock = new(
        "pipelock-block",
        "allowlist",
        "Ask the operator to extend the egress allowlist when a host you need is blocked. Send the complete proposed allowlist (one host pattern per line) and why you need it. Blocks until the operator decides (set wait=false to return at once and poll with supervise-status).",
        "The complete proposed allowlist: one host pattern per line (api.example.com, *.example.com, example.com:8443); # comments allowed.");

    public static readonly SuperviseTool CapabilityBlock = new(
        "capability-block",
        "Dockerfile",
        "Ask the operator for a capability the bottle lacks (a package, a tool) by proposing the complete new Dockerfile and why you need it. Blocks until the operator decides (set wait=false to return at once and poll with supervise-status).",
        "The complete proposed Dockerfile, with its FROM instruction.");

    public static readonly SuperviseTool[] All = [CredProxyBlock, PipelockBlock, CapabilityBlock];

    public static SuperviseTool? Find(string name) => Array.Find(All, t => t.Name == name);
}
