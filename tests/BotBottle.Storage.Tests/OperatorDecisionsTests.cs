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

    [Theory]
    [InlineData("FROM debian\u001B[2J\n", "final_file holds U+001B (ESC")]
    [InlineData("FROM debian # \u202Etoor\n", "final_file holds U+202E (right-to-left override)")]
    [InlineData("FROM debian\r\nRUN true\n", "final_file holds U+000D")]
    public void Decide_modified_refuses_a_final_file_the_text_rules_refuse_whatever_the_tool(string finalFile, string fragment)
    {
        // git-gate has no file rule of its own: the text rules alone stand between the file and the terminal.
        var proposal = Proposal.Create("bottle-a", "git-gate", "x\n", "why");
        _queue.WriteProposal(proposal);

        StorageException refused = Assert.Throws<StorageException>(() => _decisions.Decide(proposal.Id, ResponseStatus.Modified, "edited", finalFile));

        Assert.Equal(StorageErrorKind.InvalidArgument, refused.Kind);
        Assert.Contains(fragment, refused.Message, StringComparison.Ordinal);
        Assert.Null(_queue.ReadResponse(proposal.Id));
        Assert.Empty(new AuditStore(_temp.OpenHost()).ReadAuditEntries());
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
