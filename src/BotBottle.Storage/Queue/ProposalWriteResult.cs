namespace BotBottle.Storage.Queue;

/// <summary>The outcome of <see cref="QueueStore.WriteOrJoinProposal"/>.</summary>
/// <param name="Proposal">The proposal to wait on: the new one, or the open identical one.</param>
/// <param name="Joined">True when an open identical proposal was found and nothing was written.</param>
public sealed record ProposalWriteResult(Proposal Proposal, bool Joined);
