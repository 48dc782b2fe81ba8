using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>Many waiters, one query per change: answers reach exactly their waiters.</summary>
public sealed class ResponseNotifierTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly QueueStore _queue;

    public ResponseNotifierTests()
    {
        BotBottleDatabase host = _temp.OpenHost();
        var limits = new LimitsStore(host);
        limits.Set("pending_per_bottle", 1000);
        limits.Set("rate_burst", 1000);
        _queue = new QueueStore(host);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task One_answer_among_two_hundred_waiters_completes_only_its_own_wait_with_few_scans()
    {
        Proposal[] proposals = Enumerable.Range(0, 200)
            .Select(i => _queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "", "wait " + i)).Proposal)
            .ToArray();
        using var stop = new CancellationTokenSource();
        Task<Response?>[] waits = proposals.Select(p => _queue.WaitForResponseAsync(p.Id, Timeout.InfiniteTimeSpan, stop.Token)).ToArray();
        ResponseNotifier notifier = ResponseNotifier.For(_temp.OpenHost(migrate: false));
        await Task.Delay(200);
        long scansBefore = Interlocked.Read(ref notifier.Scans);

        using Process responder = TestProcess.Start("respond", _temp.Path, proposals[137].Id, "approved", "0");
        (int exitCode, string output, string error) = TestProcess.Finish(responder, TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, output + error);
        Response? answered = await waits[137].WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(100);

        Assert.Equal(proposals[137].Id, answered!.ProposalId);
        Assert.Equal(1, waits.Count(static w => w.IsCompleted));
        Assert.True(Interlocked.Read(ref notifier.Scans) - scansBefore < 20, "a single commit should cost a handful of scans, not one per waiter");
        Task<Response?>[] unanswered = waits.Where(static w => !w.IsCompleted).ToArray();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(unanswered));
        Assert.All(unanswered, static w => Assert.True(w.IsCanceled));
    }

    [Fact]
    public async Task A_response_written_just_before_the_wait_is_returned_at_once()
    {
        Proposal proposal = _queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "", "early")).Proposal;
        new OperatorDecisions(_temp.OpenHost(migrate: false)).Decide(proposal.Id, ResponseStatus.Rejected, "no");

        Response? response = await _queue.WaitForResponseAsync(proposal.Id, TimeSpan.FromSeconds(5));

        Assert.Equal(ResponseStatus.Rejected, response!.Status);
    }

    [Fact]
    public async Task Waiters_on_the_same_proposal_all_get_the_answer()
    {
        Proposal proposal = _queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "", "shared")).Proposal;
        Task<Response?>[] waits = Enumerable.Range(0, 5).Select(_ => _queue.WaitForResponseAsync(proposal.Id, TimeSpan.FromSeconds(20))).ToArray();
        await Task.Delay(50);

        new OperatorDecisions(_temp.OpenHost(migrate: false)).Decide(proposal.Id, ResponseStatus.Approved, "ok");
        Response?[] answers = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(answers, static a => Assert.Equal(ResponseStatus.Approved, a!.Status));
    }

    [Fact]
    public async Task An_idle_wait_scans_nothing_until_something_commits_and_the_loop_ends_with_its_last_waiter()
    {
        Proposal proposal = _queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "", "idle")).Proposal;
        ResponseNotifier notifier = ResponseNotifier.For(_temp.OpenHost(migrate: false));
        using var stop = new CancellationTokenSource();
        Task<Response?> wait = _queue.WaitForResponseAsync(proposal.Id, Timeout.InfiniteTimeSpan, stop.Token);

        // Starting up scans once or twice (the first look, the watcher's baseline); then it settles.
        long scansBefore = await SettledScans(notifier, atLeast: 1);

        // A timer in the loop would scan at least twice in this window (it once woke every second).
        await Task.Delay(2500);
        Assert.Equal(scansBefore, Interlocked.Read(ref notifier.Scans));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);

        // The loop notices the last waiter leaving and stops: a later commit is not scanned.
        long scansAfterLeaving = await SettledScans(notifier);
        new OperatorDecisions(_temp.OpenHost(migrate: false)).Decide(proposal.Id, ResponseStatus.Approved, "late");
        await Task.Delay(500);
        Assert.Equal(scansAfterLeaving, Interlocked.Read(ref notifier.Scans));
    }

    private static async Task<long> SettledScans(ResponseNotifier notifier, long atLeast = 0)
    {
        // A quiet window long enough that a notification delayed by a loaded machine lands inside it.
        // At start-up the window counts only after the first look (atLeast: 1): on a loaded machine
        // that look once came after a quiet 700 ms, inside the idle window measured next.
        long scans = Interlocked.Read(ref notifier.Scans);
        for (int i = 0; i < 25; i++)
        {
            await Task.Delay(700);
            long now = Interlocked.Read(ref notifier.Scans);
            if (now == scans && now >= atLeast)
            {
                return now;
            }

            scans = now;
        }

        throw new TimeoutException("the notifier kept scanning with nothing committed");
    }
}
