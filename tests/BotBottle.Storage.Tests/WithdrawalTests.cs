using System;
using System.Linq;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>An agent takes back a proposal (MCP tasks/cancel): off the queue, in the audit log, and only its own.</summary>
public sealed class WithdrawalTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _host;
    private readonly QueueStore _ownSidecar;
    private readonly Proposal _proposal;

    public WithdrawalTests()
    {
        _host = _temp.OpenHost();
        _ownSidecar = new QueueStore(BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: "bottle-a"));
        _proposal = _ownSidecar.WriteOrJoinProposal(new ProposalDraft("bottle-a", "pipelock-block", "a.example\nb.example\n", "need b", "a.example\n")).Proposal;
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_sidecar_withdraws_its_own_proposal_off_the_queue_into_a_chained_audit_entry()
    {
        // An operator decision first, so the withdrawal's entry must link to an existing chain.
        Proposal other = _ownSidecar.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "x", "other", null)).Proposal;
        new OperatorDecisions(_host).Decide(other.Id, ResponseStatus.Approved, "ok");

        Withdrawal withdrawal = _ownSidecar.WithdrawProposal(_proposal.Id);

        var hostQueue = new QueueStore(_host);
        Assert.DoesNotContain(hostQueue.ListPendingProposals(), p => p.Id == _proposal.Id);
        Assert.True(hostQueue.ReadProposal(_proposal.Id)!.Archived);
        AuditEntry entry = new AuditStore(_host).ReadAuditEntries().Single(e => e.Id == withdrawal.AuditId);
        Assert.Equal(("bottle-a", "pipelock-block", "withdrawn", QueueStore.WithdrawalReason, "need b"), (entry.BottleSlug, entry.Component, entry.OperatorAction, entry.OperatorNotes, entry.Justification));
        Assert.Contains("+b.example", entry.Diff, StringComparison.Ordinal);
        AuditChainReport chain = new AuditStore(_host).VerifyChain();
        Assert.True(chain.Ok, chain.Problem);
        Assert.Equal(2, chain.Checked);

        // Twice is the same withdrawal; the operator can no longer answer it.
        Assert.Equal(withdrawal, _ownSidecar.WithdrawProposal(_proposal.Id));
        Assert.Equal(2, new AuditStore(_host).ReadAuditEntries().Count);
        Assert.Throws<StorageException>(() => new OperatorDecisions(_host).Decide(_proposal.Id, ResponseStatus.Approved, "late"));
    }

    [Fact]
    public void An_answered_proposal_cannot_be_withdrawn_its_decision_stands()
    {
        new OperatorDecisions(_host).Decide(_proposal.Id, ResponseStatus.Rejected, "no");
        StorageException refused = Assert.Throws<StorageException>(() => _ownSidecar.WithdrawProposal(_proposal.Id));
        Assert.Equal(StorageErrorKind.Conflict, refused.Kind);
        Assert.Null(_ownSidecar.ReadWithdrawal(_proposal.Id));
    }

    [Fact]
    public void A_sidecar_cannot_withdraw_another_bottles_proposal_nor_write_a_withdrawn_entry_itself()
    {
        var otherSidecar = new QueueStore(BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: "bottle-b"));
        StorageException refused = Assert.Throws<StorageException>(() => otherSidecar.WithdrawProposal(_proposal.Id));
        Assert.Equal(StorageErrorKind.Denied, refused.Kind);
        Assert.Contains(new QueueStore(_host).ListPendingProposals(), p => p.Id == _proposal.Id);

        // Outside the withdrawal's trigger, the audit log stays closed to a sidecar.
        using SqliteConnection connection = BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: "bottle-a").OpenConnection();
        using SqliteCommand forge = connection.CreateCommand();
        forge.CommandText = "INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action) VALUES ('2026', 'bottle-a', 'x', 'withdrawn')";
        Assert.Throws<SqliteException>(() => forge.ExecuteNonQuery());
        Assert.Empty(new AuditStore(_host).ReadAuditEntries());
    }

    [Fact]
    public void Withdrawing_an_unknown_proposal_is_not_found()
        => Assert.Equal(StorageErrorKind.NotFound, Assert.Throws<StorageException>(() => _ownSidecar.WithdrawProposal("0123456789abcdef0123456789abcdef")).Kind);
}
