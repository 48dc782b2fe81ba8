using System;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;

namespace BotBottle.Storage.Queue;

/// <summary>
/// What a sidecar does with the queue: propose (or join an open identical proposal), read its own
/// proposals, consume the operator's decision, and say whether it can work. <see cref="QueueStore"/>
/// does it on the database file (direct mode); a broker client does it over the host broker's
/// socket (VM backends). Both give the same results, the same <see cref="Errors.StorageException"/>
/// kinds and the same waits.
/// </summary>
public interface ISidecarStore
{
    /// <inheritdoc cref="QueueStore.WriteOrJoinProposal"/>
    ProposalWriteResult WriteOrJoinProposal(ProposalDraft draft);

    /// <inheritdoc cref="QueueStore.ReadProposal(string)"/>
    Proposal? ReadProposal(string proposalId);

    /// <inheritdoc cref="QueueStore.ConsumeResponseAsync"/>
    Task<Response?> ConsumeResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="QueueStore.ReadFirstSeen"/>
    DateTimeOffset? ReadFirstSeen(string proposalId);

    /// <inheritdoc cref="QueueStore.WithdrawProposal"/>
    Withdrawal WithdrawProposal(string proposalId);

    /// <inheritdoc cref="QueueStore.CheckHealth"/>
    StorageHealth CheckHealth();

    /// <summary>How this process's waits learn of a decision, for the log and doctor.</summary>
    WaitMode DescribeWaits();
}
