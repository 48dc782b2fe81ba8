using System;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Queue;

/// <summary>
/// The queue as one bottle's sidecar door sees it (<see cref="QueueStore.ForBottle"/>): proposals go
/// in under its slug, and another bottle's proposals do not exist through it; an id of theirs reads
/// as absent, exactly as an unknown id does, so a door cannot even learn that it exists. Every door
/// that serves a bottle (the MCP tools, the durable tasks, propose, the host broker) holds one of these
/// and nothing wider, so the rule is written here once.
/// </summary>
public sealed class BottleQueueView : ISidecarStore
{
    private readonly QueueStore _queue;

    internal BottleQueueView(QueueStore queue, string slug)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Validation.Validate.Slug(slug);
        _queue = queue;
        Slug = slug;
    }

    /// <inheritdoc />
    public string Slug { get; }

    /// <inheritdoc />
    public ProposalWriteResult Propose(string tool, string proposedFile, string justification, string? currentFile = null)
        => _queue.WriteOrJoinProposal(new ProposalDraft(Slug, tool, proposedFile, justification, currentFile));

    /// <inheritdoc />
    public Proposal? ReadProposal(string proposalId)
        => _queue.ReadProposal(proposalId) is { } proposal && proposal.BottleSlug == Slug ? proposal : null;

    /// <inheritdoc />
    public Task<Response?> ConsumeResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Own(proposalId, "to wait for");
        return _queue.ConsumeResponseAsync(proposalId, timeout, cancellationToken);
    }

    /// <inheritdoc />
    public DateTimeOffset? ReadFirstSeen(string proposalId)
        => ReadProposal(proposalId) is null ? null : _queue.ReadFirstSeen(proposalId);

    /// <inheritdoc />
    public Withdrawal WithdrawProposal(string proposalId)
    {
        Own(proposalId, "to withdraw");
        return _queue.WithdrawProposal(proposalId);
    }

    /// <inheritdoc />
    public StorageHealth CheckHealth() => _queue.CheckHealth();

    /// <inheritdoc />
    public WaitMode DescribeWaits() => _queue.DescribeWaits();

    private void Own(string proposalId, string purpose)
    {
        if (ReadProposal(proposalId) is null)
        {
            throw new StorageException(StorageErrorKind.NotFound, $"No proposal {proposalId} {purpose}.");
        }
    }
}
