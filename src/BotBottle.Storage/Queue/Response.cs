using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Queue;

/// <summary>The operator's answer to a proposal (<c>supervise_responses</c>); one per proposal.</summary>
/// <param name="ProposalId">The proposal answered.</param>
/// <param name="Status">approved, modified or rejected.</param>
/// <param name="Notes">The operator's words to the agent.</param>
/// <param name="FinalFile">The file that applies: required when modified, optional otherwise.</param>
/// <param name="Archived">True once the sidecar has consumed it.</param>
[SqliteRow]
public sealed record Response(
    string ProposalId,
    ResponseStatus Status,
    string Notes,
    string? FinalFile,
    bool Archived);
