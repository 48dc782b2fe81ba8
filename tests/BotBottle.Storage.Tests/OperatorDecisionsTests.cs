using System;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class OperatorDecisionsTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly QueueStore _queue;
    private readonly OperatorDecisions _decisions;

    public OperatorDecisionsTests()
    {
        BotBottleDatabase database = _temp.OpenHost();
        _queue = new QueueStore(database);
        _decisions = new OperatorDecisions(database);
    }

    public void Dispose() => _temp.Dispose();

    private Proposal Propose()
    {
        var proposal = Proposal.Create("bottle-a", "pipelock-block", "a.example\nb.example\n", "needs b", currentFile: "a.example\n");
        _queue.WriteProposal(proposal);
        return proposal;
    }

    [Fact]
    public void Decide_writes_the_response_and_an_audit_entry_with_the_diff()
    {
        Proposal proposal = Propose();

        Decision decision = _decisions.Decide(proposal.Id, ResponseStatus.Approved, "fine");

        Assert.Equal(ResponseStatus.Approved, _queue.ReadResponse(proposal.Id)!.Status);
        AuditEntry entry = Assert.Single(new AuditStore(_temp.OpenHost()).ReadAuditEntries());
        Assert.Equal(decision.AuditEntry, entry);
        Assert.Equal("pipelock-block", entry.Component);
        Assert.Equal("approved", entry.OperatorAction);
        Assert.Equal("needs b", entry.Justification);
        Assert.Contains("+b.example", entry.Diff, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_modified_diffs_to_the_final_file()
    {
        Proposal proposal = Propose();

        Decision decision = _decisions.Decide(proposal.Id, ResponseStatus.Modified, "narrowed", "a.example\nb.example:443\n");

        Assert.Contains("+b.example:443", decision.AuditEntry.Diff, StringComparison.Ordinal);
        Assert.Equal("a.example\nb.example:443\n", _queue.ReadResponse(proposal.Id)!.FinalFile);
    }

    [Fact]
    public void Decide_rejected_requires_notes_and_writes_nothing_without_them()
    {
        Proposal proposal = Propose();

        var error = Assert.Throws<StorageException>(() => _decisions.Decide(proposal.Id, ResponseStatus.Rejected, " "));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Null(_queue.ReadResponse(proposal.Id));
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_audit_entries"));
    }

    [Fact]
    public void Decide_twice_throws_already_answered_and_audits_once()
    {
        Proposal proposal = Propose();
        _decisions.Decide(proposal.Id, ResponseStatus.Approved, "");

        var error = Assert.Throws<StorageException>(() => _decisions.Decide(proposal.Id, ResponseStatus.Rejected, "no"));

        Assert.Equal(StorageErrorKind.AlreadyAnswered, error.Kind);
        Assert.Equal(1L, _temp.Scalar("SELECT count(*) FROM supervise_audit_entries"));
    }

    [Fact]
    public void Decide_throws_not_found_for_an_unknown_proposal_and_audits_nothing()
    {
        var error = Assert.Throws<StorageException>(() => _decisions.Decide("missing", ResponseStatus.Approved, ""));

        Assert.Equal(StorageErrorKind.NotFound, error.Kind);
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_audit_entries"));
    }
}
