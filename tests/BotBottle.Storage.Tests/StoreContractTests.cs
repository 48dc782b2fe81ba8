using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>
/// The stores' contract, run once per engine: the embedded SQLite file and fleet mode's
/// PostgreSQL (a real server; the sidecar's side is a host broker's role there). One suite, so the
/// two cannot drift: every rule a door relies on holds on both or the suite fails.
/// </summary>
public sealed class StoreContractTests
{
    private static ProposalDraft Draft(string slug, string file = "allow: example.org\n", string? justification = null)
        => new(slug, "git-gate", file, justification ?? "needs " + Guid.NewGuid().ToString("N")[..6], "allow: none\n");

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public void Proposals_list_oldest_first_per_bottle_and_a_retry_joins_the_open_one(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore alpha = backend.SidecarQueue("alpha");
        QueueStore beta = backend.SidecarQueue("beta");

        Proposal first = alpha.WriteOrJoinProposal(Draft("alpha", justification: "one")).Proposal;
        Proposal second = beta.WriteOrJoinProposal(Draft("beta", justification: "two")).Proposal;
        Proposal third = alpha.WriteOrJoinProposal(Draft("alpha", justification: "three")).Proposal;
        ProposalWriteResult retry = alpha.WriteOrJoinProposal(Draft("alpha", justification: "one"));

        Assert.True(retry.Joined);
        Assert.Equal(first.Id, retry.Proposal.Id);
        Assert.Equal([first.Id, second.Id, third.Id], backend.Queue.ListPendingProposals().Select(static p => p.Id));
        Assert.Equal([first.Id, third.Id], backend.Queue.ListPendingProposals("alpha").Select(static p => p.Id));
        Proposal stored = alpha.ReadProposal(first.Id)!;
        Assert.Equal((first.BottleSlug, first.Tool, first.ProposedFile, first.Justification, first.CurrentFile, first.CurrentFileHash, false), (stored.BottleSlug, stored.Tool, stored.ProposedFile, stored.Justification, stored.CurrentFile, stored.CurrentFileHash, stored.Archived));
        Assert.Equal(first.ArrivalTimestamp, stored.ArrivalTimestamp);
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public async Task A_bottles_view_proposes_under_its_slug_and_another_bottles_proposals_do_not_exist_through_it(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        BottleQueueView alpha = backend.SidecarQueue("alpha").ForBottle("alpha");
        BottleQueueView beta = backend.SidecarQueue("beta").ForBottle("beta");

        Proposal mine = alpha.Propose("git-gate", "allow: a\n", "mine").Proposal;
        Proposal theirs = beta.Propose("git-gate", "allow: b\n", "theirs").Proposal;
        Assert.Equal(("alpha", "beta"), (mine.BottleSlug, theirs.BottleSlug));

        // Another bottle's id reads exactly as an unknown one does.
        Assert.Null(alpha.ReadProposal(theirs.Id));
        Assert.Null(alpha.ReadFirstSeen(theirs.Id));
        StorageException wait = await Assert.ThrowsAsync<StorageException>(() => alpha.ConsumeResponseAsync(theirs.Id, TimeSpan.Zero));
        StorageException unknown = await Assert.ThrowsAsync<StorageException>(() => alpha.ConsumeResponseAsync("p-" + new string('0', 32), TimeSpan.Zero));
        Assert.Equal((StorageErrorKind.NotFound, StorageErrorKind.NotFound), (wait.Kind, unknown.Kind));
        Assert.Equal(StorageErrorKind.NotFound, Assert.Throws<StorageException>(() => alpha.WithdrawProposal(theirs.Id)).Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => backend.Queue.ForBottle("Not A Slug")).Kind);

        // Its own work goes through, and the other bottle's proposal is untouched.
        Assert.Equal(mine.Id, alpha.WithdrawProposal(mine.Id).ProposalId);
        Assert.Equal([theirs.Id], backend.Queue.ListPendingProposals().Select(static p => p.Id));
        Assert.Equal(theirs.Id, beta.ReadProposal(theirs.Id)!.Id);
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public void A_decision_is_written_once_with_its_audit_entry_and_the_chain_verifies(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        Proposal proposal = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;
        Proposal other = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;

        Decision decision = backend.Decisions.Decide(proposal.Id, ResponseStatus.Modified, "narrower", "allow: example.org/api\n");
        backend.Decisions.Decide(other.Id, ResponseStatus.Rejected, "no");

        Assert.Equal(StorageErrorKind.AlreadyAnswered, Assert.Throws<StorageException>(() => backend.Decisions.Decide(proposal.Id, ResponseStatus.Approved, "")).Kind);
        Assert.Equal(StorageErrorKind.NotFound, Assert.Throws<StorageException>(() => backend.Decisions.Decide("p-" + new string('0', 32), ResponseStatus.Approved, "")).Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => backend.Decisions.Decide(proposal.Id, ResponseStatus.Modified, "")).Kind);
        Assert.Equal(new Response(proposal.Id, ResponseStatus.Modified, "narrower", "allow: example.org/api\n", false), sidecar.ReadResponse(proposal.Id));
        Assert.Empty(backend.Queue.ListPendingProposals());

        List<AuditEntry> entries = backend.Audit.ReadAuditEntries();
        Assert.Equal(["modified", "rejected"], entries.Select(static e => e.OperatorAction));
        Assert.Equal(decision.AuditEntry.Id, entries[0].Id);
        Assert.Contains("+allow: example.org/api", entries[0].Diff, StringComparison.Ordinal);
        Assert.Single(backend.Audit.ReadAuditEntries(new AuditQuery(Limit: 1)));
        Assert.Equal(2, backend.Audit.ReadAuditEntries(new AuditQuery(BottleSlug: "alpha", Component: "git-gate")).Count);
        Assert.Empty(backend.Audit.ReadAuditEntries(new AuditQuery(BottleSlug: "beta")));
        Assert.Empty(backend.Audit.ReadAuditEntries(new AuditQuery(Component: "egress")));
        AuditChainReport chain = backend.Audit.VerifyChain();
        Assert.True(chain.Ok, chain.Problem);
        Assert.Equal(2, chain.Checked);
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public async Task A_wait_wakes_on_a_decision_from_another_connection_and_consuming_archives_it(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        Proposal proposal = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;

        Assert.Null(await sidecar.ConsumeResponseAsync(proposal.Id, TimeSpan.FromMilliseconds(200)));
        Task<Response?> waiting = sidecar.ConsumeResponseAsync(proposal.Id, TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        backend.Decisions.Decide(proposal.Id, ResponseStatus.Approved, "fine");

        Response consumed = (await waiting.WaitAsync(TimeSpan.FromSeconds(20)))!;
        Assert.Equal((ResponseStatus.Approved, "fine", false), (consumed.Status, consumed.Notes, consumed.Archived));
        Assert.True(sidecar.ReadProposal(proposal.Id)!.Archived);
        Assert.True((await sidecar.ConsumeResponseAsync(proposal.Id, TimeSpan.Zero))!.Archived);
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public async Task A_wait_can_be_cancelled_and_times_out_with_nothing(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        Proposal proposal = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sidecar.WaitForResponseAsync(proposal.Id, Timeout.InfiniteTimeSpan, cancel.Token));
        Assert.Null(await sidecar.WaitForResponseAsync(proposal.Id, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(StorageErrorKind.NotFound, (await Assert.ThrowsAsync<StorageException>(() => sidecar.WaitForResponseAsync("p-" + new string('1', 32), TimeSpan.Zero))).Kind);
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public void A_sidecar_withdraws_its_unanswered_proposal_once_and_never_archives_one_silently(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        Proposal open = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;
        Proposal answered = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;
        backend.Decisions.Decide(answered.Id, ResponseStatus.Approved, "");

        Assert.Equal(StorageErrorKind.Denied, Assert.Throws<StorageException>(() => sidecar.ArchiveProposal(open.Id)).Kind);
        Withdrawal withdrawal = sidecar.WithdrawProposal(open.Id);
        Assert.Equal(withdrawal, sidecar.WithdrawProposal(open.Id));
        Assert.Equal(StorageErrorKind.Conflict, Assert.Throws<StorageException>(() => sidecar.WithdrawProposal(answered.Id)).Kind);

        Assert.True(backend.Queue.ReadProposal(open.Id)!.Archived);
        Assert.Equal(withdrawal, backend.Queue.ReadWithdrawal(open.Id));
        AuditEntry entry = Assert.Single(backend.Audit.ReadAuditEntries(), e => e.OperatorAction == "withdrawn");
        Assert.Equal((withdrawal.AuditId, QueueStore.WithdrawalReason), (entry.Id, entry.OperatorNotes));
        Assert.True(backend.Audit.VerifyChain().Ok);
        Assert.Empty(backend.Queue.ListPendingProposals());
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public void The_operators_first_look_is_recorded_once(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        Proposal proposal = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;

        Assert.Null(sidecar.ReadFirstSeen(proposal.Id));
        backend.Queue.MarkSeenByOperator(proposal.Id);
        DateTimeOffset seen = sidecar.ReadFirstSeen(proposal.Id)!.Value;
        backend.Queue.MarkSeenByOperator(proposal.Id);
        Assert.Equal(seen, sidecar.ReadFirstSeen(proposal.Id));
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public void The_hosts_caps_refuse_a_proposal_and_write_nothing(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        backend.Limits.Set("pending_per_bottle", 2);
        backend.Limits.Set("rate_burst", 3);
        backend.Limits.Set("free_space_reserve_bytes", 0);
        sidecar.WriteOrJoinProposal(Draft("alpha"));
        sidecar.WriteOrJoinProposal(Draft("alpha"));

        LimitReachedException refused = Assert.Throws<LimitReachedException>(() => sidecar.WriteOrJoinProposal(Draft("alpha")));
        Assert.Equal("pending_per_bottle", refused.Limit);
        Assert.Equal(2, backend.Queue.ListPendingProposals("alpha").Count);

        backend.Limits.Reset("pending_per_bottle");
        sidecar.WriteOrJoinProposal(Draft("alpha"));
        Assert.Equal("rate_per_hour", Assert.Throws<LimitReachedException>(() => sidecar.WriteOrJoinProposal(Draft("alpha"))).Limit);
        Assert.Equal(new HashSet<string> { "rate_burst", "free_space_reserve_bytes" }, backend.Limits.ReadChanged());
        Assert.Equal(3, backend.SidecarLimits("alpha").Read().RateBurst);
        Assert.Equal(StorageErrorKind.Denied, Assert.Throws<StorageException>(() => backend.SidecarLimits("alpha").Set("rate_burst", 1000)).Kind);
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public void Bottles_show_their_pending_count_and_go_stale_after_three_missed_heartbeats(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        sidecar.WriteOrJoinProposal(Draft("alpha"));
        backend.Bottles.Register("beta", "smolvm", "1.2.3", TimeSpan.FromSeconds(10));

        BottleStatus alpha = Assert.Single(backend.Bottles.List(), static b => b.Slug == "alpha");
        Assert.Equal(("running", 1L), (alpha.State, alpha.Pending));
        Assert.Equal("stale", Assert.Single(backend.Bottles.List(DateTimeOffset.UtcNow.AddSeconds(31)), static b => b.Slug == "beta").State);
        Assert.Equal("running", Assert.Single(backend.Bottles.List(DateTimeOffset.UtcNow.AddSeconds(20)), static b => b.Slug == "beta").State);
        backend.Bottles.Stop("beta");
        Assert.Equal("stopped", Assert.Single(backend.Bottles.List(), static b => b.Slug == "beta").State);
        Assert.Equal(["alpha", "beta"], backend.Bottles.List().Select(static b => b.Slug));
    }

    [Theory]
    [MemberData(nameof(StoreBackend.Names), MemberType = typeof(StoreBackend))]
    public async Task Watch_lists_the_open_queue_then_reports_changes_from_other_connections(string engine)
    {
        using StoreBackend backend = StoreBackend.Create(engine);
        QueueStore sidecar = backend.SidecarQueue("alpha");
        Proposal existing = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using IAsyncEnumerator<QueueEvent> events = backend.Queue.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.True(await events.MoveNextAsync());
        Assert.Equal(("pending", existing.Id), (events.Current.Event, events.Current.Id));

        Proposal added = sidecar.WriteOrJoinProposal(Draft("alpha")).Proposal;
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(("proposed", added.Id), (events.Current.Event, events.Current.Id));

        backend.Decisions.Decide(existing.Id, ResponseStatus.Approved, "");
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(("answered", existing.Id, "approved"), (events.Current.Event, events.Current.Id, events.Current.Status));

        sidecar.WithdrawProposal(added.Id);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(("withdrawn", added.Id), (events.Current.Event, events.Current.Id));
    }
}
