using System;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>When the operator first looked at a proposal: written by the host, read by the sidecar.</summary>
public sealed class ProposalViewTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_first_look_is_kept_and_a_sidecar_reads_it_but_cannot_write_it()
    {
        var host = new QueueStore(_temp.OpenHost());
        var sidecar = new QueueStore(BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: "bottle-a"));
        Proposal proposal = sidecar.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "x", "why", null)).Proposal;
        Assert.Null(sidecar.ReadFirstSeen(proposal.Id));

        host.MarkSeenByOperator(proposal.Id);
        DateTimeOffset first = sidecar.ReadFirstSeen(proposal.Id)!.Value;
        Assert.True(DateTimeOffset.UtcNow - first < TimeSpan.FromMinutes(1));
        System.Threading.Thread.Sleep(20);
        host.MarkSeenByOperator(proposal.Id);
        Assert.Equal(first, sidecar.ReadFirstSeen(proposal.Id));

        StorageException denied = Assert.Throws<StorageException>(() => sidecar.MarkSeenByOperator(proposal.Id));
        Assert.Equal(StorageErrorKind.Denied, denied.Kind);
    }
}
