using System;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Storage.Queue;

/// <summary>
/// What a sidecar does with the queue: write (or join) a proposal, read it and its answer, wait for
/// the answer, archive what it consumed. <see cref="QueueStore"/> does it on the database file
/// (direct mode); a broker client does it over the host broker's socket (VM backends). Both give the
/// same results, the same <see cref="Errors.StorageException"/> kinds and the same waits.
/// </summary>
public interface ISidecarStore
{
    /// <inheritdoc cref="QueueStore.WriteOrJoinProposal"/>
    ProposalWriteResult WriteOrJoinProposal(Proposal proposal);

    /// <inheritdoc cref="QueueStore.ReadProposal(string)"/>
    Proposal? ReadProposal(string proposalId);

    /// <inheritdoc cref="QueueStore.ReadResponse(string)"/>
    Response? ReadResponse(string proposalId);

    /// <inheritdoc cref="QueueStore.WaitForResponseAsync"/>
    Task<Response?> WaitForResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="QueueStore.ArchiveProposal"/>
    void ArchiveProposal(string proposalId);

    /// <inheritdoc cref="QueueStore.CheckHealth"/>
    Database.StorageHealth CheckHealth();
}
