using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class QueueStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDatabase _temp = new();
    private readonly QueueStore _queue;

    public QueueStoreTests() => _queue = new QueueStore(_temp.OpenHost());

    public void Dispose() => _temp.Dispose();

    private Proposal Write(string slug = "bottle-a", int secondsAfterT0 = 0, string? id = null, string? hash = "abc123")
    {
        var proposal = new Proposal(id ?? Proposal.NewId(), slug, "pipelock-block", "example.com\n", "needs docs", T0.AddSeconds(secondsAfterT0), hash, false);
        _queue.WriteProposal(proposal);
        return proposal;
    }

    private void Answer(string id, ResponseStatus status = ResponseStatus.Approved)
        => _queue.WriteResponse(new Response(id, status, "ok", status == ResponseStatus.Modified ? "final\n" : null, false));

    [Fact]
    public void WriteProposal_round_trips_every_field()
    {
        Proposal written = Write(hash: null);

        Proposal? read = _queue.ReadProposal(written.Id);

        Assert.Equal(written, read);
        Assert.Null(read!.CurrentFileHash);
    }

    [Fact]
    public void WriteProposal_keeps_sub_second_timestamps_in_utc()
    {
        var local = new DateTimeOffset(2026, 11, 1, 14, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var proposal = Proposal.Create("bottle-a", "pipelock-block", "a\n", "why") with { ArrivalTimestamp = local };
        _queue.WriteProposal(proposal);

        DateTimeOffset stored = _queue.ReadProposal(proposal.Id)!.ArrivalTimestamp;

        Assert.Equal(local.UtcDateTime, stored.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, stored.Offset);
        Assert.Equal("2026-11-01T12:00:00.1234567Z", _temp.Scalar($"SELECT arrival_timestamp FROM supervise_proposals WHERE id = '{proposal.Id}'"));
    }

    [Fact]
    public void Create_stores_the_current_file_and_its_sha256()
    {
        var proposal = Proposal.Create("bottle-a", "pipelock-block", "new\n", "why", currentFile: "old\n");
        _queue.WriteProposal(proposal);

        Proposal read = _queue.ReadProposal(proposal.Id)!;

        Assert.Equal("old\n", read.CurrentFile);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("old\n"u8)), read.CurrentFileHash);
    }

    [Fact]
    public void WriteOrJoinProposal_joins_an_open_identical_proposal()
    {
        var draft = new ProposalDraft("bottle-a", "pipelock-block", "example.com\n", "needs docs");

        ProposalWriteResult written = _queue.WriteOrJoinProposal(draft);
        ProposalWriteResult joined = _queue.WriteOrJoinProposal(draft with { });

        Assert.False(written.Joined);
        Assert.True(joined.Joined);
        Assert.Equal(written.Proposal.Id, joined.Proposal.Id);
        Assert.Equal(1L, _temp.Scalar("SELECT count(*) FROM supervise_proposals"));
    }

    [Theory]
    [InlineData("bottle-b", "pipelock-block", "example.com\n", "needs docs")]
    [InlineData("bottle-a", "git-gate", "example.com\n", "needs docs")]
    [InlineData("bottle-a", "pipelock-block", "other.com\n", "needs docs")]
    [InlineData("bottle-a", "pipelock-block", "example.com\n", "another reason")]
    public void WriteOrJoinProposal_writes_a_new_proposal_when_any_field_differs(string slug, string tool, string file, string justification)
    {
        _queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "pipelock-block", "example.com\n", "needs docs"));

        ProposalWriteResult result = _queue.WriteOrJoinProposal(new ProposalDraft(slug, tool, file, justification));

        Assert.False(result.Joined);
        Assert.Equal(2L, _temp.Scalar("SELECT count(*) FROM supervise_proposals"));
    }

    [Fact]
    public void WriteOrJoinProposal_does_not_join_an_archived_proposal()
    {
        ProposalWriteResult first = _queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "pipelock-block", "x\n", "why"));
        _queue.ArchiveProposal(first.Proposal.Id);

        ProposalWriteResult second = _queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "pipelock-block", "x\n", "why"));

        Assert.False(second.Joined);
        Assert.NotEqual(first.Proposal.Id, second.Proposal.Id);
    }

    [Fact]
    public void ReadProposal_returns_null_when_missing()
        => Assert.Null(_queue.ReadProposal("no-such-proposal"));

    [Fact]
    public void WriteProposal_throws_conflict_when_id_exists()
    {
        Proposal first = Write();

        var error = Assert.Throws<StorageException>(() => Write(id: first.Id));

        Assert.Equal(StorageErrorKind.Conflict, error.Kind);
        Assert.Equal(1L, _temp.Scalar("SELECT count(*) FROM supervise_proposals"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("trailing-newline\n")]
    public void WriteProposal_throws_invalid_argument_when_slug_is_not_a_slug(string slug)
    {
        var error = Assert.Throws<StorageException>(() => Write(slug: slug));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("bottle_slug", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_proposals"));
    }

    [Fact]
    public void WriteProposal_throws_invalid_argument_when_file_holds_nul()
    {
        var proposal = Proposal.Create("bottle-a", "pipelock-block", "a\0b", "why");

        var error = Assert.Throws<StorageException>(() => _queue.WriteProposal(proposal));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_proposals"));
    }

    [Fact]
    public void ListPendingProposals_is_fifo_by_arrival_for_one_slug()
    {
        Proposal third = Write(secondsAfterT0: 30);
        Proposal first = Write(secondsAfterT0: 10);
        Write(slug: "bottle-b", secondsAfterT0: 15);
        Proposal second = Write(secondsAfterT0: 20);

        string[] ids = _queue.ListPendingProposals("bottle-a").Select(static p => p.Id).ToArray();

        Assert.Equal([first.Id, second.Id, third.Id], ids);
    }

    [Fact]
    public void ListPendingProposals_breaks_arrival_ties_by_insertion_order()
    {
        Proposal a = Write(id: "zzz", secondsAfterT0: 5);
        Proposal b = Write(id: "aaa", secondsAfterT0: 5);

        Assert.Equal([a.Id, b.Id], _queue.ListPendingProposals("bottle-a").Select(static p => p.Id));
    }

    [Fact]
    public void ListPendingProposals_spans_every_bottle_when_slug_is_null()
    {
        Proposal b = Write(slug: "bottle-b", secondsAfterT0: 1);
        Proposal a = Write(slug: "bottle-a", secondsAfterT0: 2);
        Proposal c = Write(slug: "bottle-c", secondsAfterT0: 3);

        Assert.Equal([b.Id, a.Id, c.Id], _queue.ListPendingProposals().Select(static p => p.Id));
        Assert.Empty(_queue.ListPendingProposals("bottle-z"));
    }

    [Fact]
    public void ListPendingProposals_excludes_answered_and_archived()
    {
        Proposal answered = Write(secondsAfterT0: 1);
        Proposal archived = Write(secondsAfterT0: 2);
        Proposal pending = Write(secondsAfterT0: 3);
        Answer(answered.Id);
        _queue.ArchiveProposal(archived.Id);

        Assert.Equal([pending.Id], _queue.ListPendingProposals("bottle-a").Select(static p => p.Id));
        Assert.Equal([pending.Id], _queue.ListPendingProposals().Select(static p => p.Id));
    }

    [Theory]
    [InlineData(ResponseStatus.Approved)]
    [InlineData(ResponseStatus.Modified)]
    [InlineData(ResponseStatus.Rejected)]
    public void WriteResponse_round_trips_each_status(ResponseStatus status)
    {
        Proposal proposal = Write();
        var response = new Response(proposal.Id, status, "operator notes", status == ResponseStatus.Modified ? "final\n" : null, false);

        _queue.WriteResponse(response);

        Assert.Equal(response, _queue.ReadResponse(proposal.Id));
        Assert.Equal(status.ToString().ToLowerInvariant(), _temp.Scalar("SELECT status FROM supervise_responses"));
    }

    [Fact]
    public void ReadResponse_returns_null_before_an_answer()
        => Assert.Null(_queue.ReadResponse(Write().Id));

    [Fact]
    public void WriteResponse_throws_not_found_when_proposal_is_unknown()
    {
        var error = Assert.Throws<StorageException>(() => Answer("no-such-proposal"));

        Assert.Equal(StorageErrorKind.NotFound, error.Kind);
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_responses"));
    }

    [Fact]
    public void WriteResponse_throws_already_answered_on_a_second_response()
    {
        Proposal proposal = Write();
        Answer(proposal.Id, ResponseStatus.Approved);

        var error = Assert.Throws<StorageException>(() => Answer(proposal.Id, ResponseStatus.Rejected));

        Assert.Equal(StorageErrorKind.AlreadyAnswered, error.Kind);
        Assert.Equal(ResponseStatus.Approved, _queue.ReadResponse(proposal.Id)!.Status);
    }

    [Fact]
    public void WriteResponse_throws_invalid_argument_when_status_is_not_declared()
    {
        Proposal proposal = Write();

        var error = Assert.Throws<StorageException>(() => _queue.WriteResponse(new Response(proposal.Id, (ResponseStatus)7, "", null, false)));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("approved, modified, rejected", error.Message, StringComparison.Ordinal);
        Assert.Null(_queue.ReadResponse(proposal.Id));
    }

    [Fact]
    public void WriteResponse_throws_invalid_argument_when_modified_has_no_final_file()
    {
        Proposal proposal = Write();

        var error = Assert.Throws<StorageException>(() => _queue.WriteResponse(new Response(proposal.Id, ResponseStatus.Modified, "", null, false)));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Null(_queue.ReadResponse(proposal.Id));
    }

    [Fact]
    public void WriteResponse_throws_conflict_when_proposal_is_archived()
    {
        Proposal proposal = Write();
        _queue.ArchiveProposal(proposal.Id);

        var error = Assert.Throws<StorageException>(() => Answer(proposal.Id));

        Assert.Equal(StorageErrorKind.Conflict, error.Kind);
        Assert.Null(_queue.ReadResponse(proposal.Id));
    }

    [Fact]
    public void ArchiveProposal_marks_proposal_and_response()
    {
        Proposal proposal = Write();
        Answer(proposal.Id);

        _queue.ArchiveProposal(proposal.Id);

        Assert.True(_queue.ReadProposal(proposal.Id)!.Archived);
        Assert.True(_queue.ReadResponse(proposal.Id)!.Archived);
    }

    [Fact]
    public void ArchiveProposal_is_idempotent_and_never_pending_again()
    {
        Proposal proposal = Write();
        _queue.ArchiveProposal(proposal.Id);
        _queue.ArchiveProposal(proposal.Id);

        Assert.True(_queue.ReadProposal(proposal.Id)!.Archived);
        Assert.Empty(_queue.ListPendingProposals("bottle-a"));
        Assert.Empty(_queue.ListPendingProposals());
    }

    [Fact]
    public void ArchiveProposal_throws_not_found_when_proposal_is_unknown()
        => Assert.Equal(StorageErrorKind.NotFound, Assert.Throws<StorageException>(() => _queue.ArchiveProposal("missing")).Kind);

    [Fact]
    public async Task WaitForResponseAsync_returns_null_when_timeout_passes()
    {
        Proposal proposal = Write();
        var clock = Stopwatch.StartNew();

        Response? response = await _queue.WaitForResponseAsync(proposal.Id, TimeSpan.FromMilliseconds(200));

        Assert.Null(response);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), $"returned after {clock.Elapsed}");
    }

    [Fact]
    public async Task WaitForResponseAsync_throws_when_cancelled()
    {
        Proposal proposal = Write();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _queue.WaitForResponseAsync(proposal.Id, Timeout.InfiniteTimeSpan, cancel.Token));
    }

    [Fact]
    public async Task WaitForResponseAsync_throws_not_found_when_proposal_is_unknown()
    {
        var error = await Assert.ThrowsAsync<StorageException>(() => _queue.WaitForResponseAsync("missing", TimeSpan.FromSeconds(1)));

        Assert.Equal(StorageErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task WaitForResponseAsync_returns_an_answer_already_written()
    {
        Proposal proposal = Write();
        Answer(proposal.Id, ResponseStatus.Rejected);

        Response? response = await _queue.WaitForResponseAsync(proposal.Id, TimeSpan.Zero);

        Assert.Equal(ResponseStatus.Rejected, response!.Status);
    }

    [Theory]
    [InlineData("approved")]
    [InlineData("modified")]
    // 10 s is a third of the waiter's 30 s safety re-read: only the data_version watcher can wake it in time.
    public async Task WaitForResponseAsync_returns_when_another_process_writes_the_response(string status)
    {
        Proposal proposal = Write();
        using Process responder = TestProcess.Start("respond", _temp.Path, proposal.Id, status, "300");

        Response? response = await _queue.WaitForResponseAsync(proposal.Id, TimeSpan.FromSeconds(10));

        (int exitCode, string output, string error) = TestProcess.Finish(responder, TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, output + error);
        Assert.NotNull(response);
        Assert.Equal(status, ResponseStatusSqliteText.ToText(response.Status));
        Assert.StartsWith("answered by process ", response.Notes, StringComparison.Ordinal);
        Assert.NotEqual("answered by process " + Environment.ProcessId, response.Notes);
    }
}
