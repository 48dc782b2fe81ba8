namespace BotBottle.Storage.Queue;

/// <summary>
/// What a caller says when it proposes: which bottle (the door's own, never the agent's word),
/// which tool, the file, why, and the file it would replace. Everything else of a
/// <see cref="Proposal"/> (id, arrival time, hash) is made by the store, which also applies every
/// rule to it (<see cref="ProposalLimits"/>), whichever door it came through.
/// </summary>
/// <param name="BottleSlug">The proposing bottle, fixed by the sidecar or broker that serves it.</param>
/// <param name="Tool">The MCP tool or sidecar raising it (cred-proxy-block, git-gate, …).</param>
/// <param name="ProposedFile">The whole proposed file.</param>
/// <param name="Justification">Why the agent needs it; the operator reads it.</param>
/// <param name="CurrentFile">The file it would replace, as the door read it; null if none.</param>
public sealed record ProposalDraft(string BottleSlug, string Tool, string ProposedFile, string Justification, string? CurrentFile = null);
