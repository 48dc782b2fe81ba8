using System;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;

namespace BotBottle.Storage.Queue;

/// <summary>
/// What a sidecar does with its bottle's queue: propose (or join an open identical proposal), read
/// its own proposals, consume the operator's decision, and say whether it can work; nothing of any
/// other bottle. <see cref="BottleQueueView"/> does it on the database (direct mode, and in the host
/// broker); a broker client does it over the broker's socket (VM backends). Both give the same
/// results, the same <see cref="Errors.StorageException"/> kinds and the same waits.
/// </summary>
public interface ISidecarStore
{
    /// <summary>The bottle this view is bound to, fixed when it was opened (never from agent input).</summary>
    string Slug { get; }

    /// <summary>Proposes for this bottle, as <see cref="QueueStore.WriteOrJoinProposal"/> does with this slug.</summary>
    /// <exception cref="Errors.StorageException">As <see cref="QueueStore.WriteOrJoinProposal"/>.</exception>
    ProposalWriteResult Propose(string tool, string proposedFile, string justification, string? currentFile = null);

    /// <summary>This bottle's proposal with <paramref name="proposalId"/>, or null (also for another bottle's).</summary>
    Proposal? ReadProposal(string proposalId);

    /// <summary>Waits for and consumes the decision on this bottle's proposal, as <see cref="QueueStore.ConsumeResponseAsync"/>.</summary>
    /// <exception cref="Errors.StorageException">NotFound for an unknown proposal or another bottle's.</exception>
    Task<Response?> ConsumeResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>When the operator first looked at this bottle's proposal, or null (also for another bottle's).</summary>
    DateTimeOffset? ReadFirstSeen(string proposalId);

    /// <summary>Withdraws this bottle's unanswered proposal, as <see cref="QueueStore.WithdrawProposal"/>.</summary>
    /// <exception cref="Errors.StorageException">NotFound for an unknown proposal or another bottle's; Conflict once answered.</exception>
    Withdrawal WithdrawProposal(string proposalId);

    /// <inheritdoc cref="QueueStore.CheckHealth"/>
    StorageHealth CheckHealth();

    /// <summary>How this process's waits learn of a decision, for the log and doctor.</summary>
    WaitMode DescribeWaits();
}
