using System;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>
/// Fleet mode's change signal on a real server: a NOTIFY names its proposal, so an answer wakes
/// that proposal's waiters and every watch, and leaves the waiters of other proposals asleep.
/// </summary>
public sealed class PostgresChangeListenerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TempPostgresDatabase _temp = PostgresServer.CreateDatabase();

    [Fact]
    public async Task An_answer_wakes_its_own_proposals_waiters_and_the_watches_but_not_another_proposals_waiters()
    {
        using PostgresDatabase database = _temp.OpenOwner();
        var queue = new QueueStore(database);
        var decisions = new OperatorDecisions(database);
        string answered = queue.WriteOrJoinProposal(new ProposalDraft("alpha", "git-gate", "allow: a\n", "first", "allow: none\n")).Proposal.Id;
        string waiting = queue.WriteOrJoinProposal(new ProposalDraft("alpha", "git-gate", "allow: b\n", "second", "allow: none\n")).Proposal.Id;

        var listener = (PostgresChangeListener)((IStoreDatabase)database).Changes;
        using IDisposable lease = listener.Register();
        await WaitUntilAsync(() => Volatile.Read(ref listener.Connects) >= 1);

        int everyoneWakesBefore = Volatile.Read(ref listener.EveryoneWakes);
        Task answeredWaiters = listener.NextChangeTo(answered);
        Task otherWaiters = listener.NextChangeTo(waiting);
        Task watches = listener.NextChange;

        decisions.Decide(answered, ResponseStatus.Approved, "ok");

        await answeredWaiters.WaitAsync(Patience);
        await watches.WaitAsync(Patience);
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        // Only a wake of everyone (a reconnect or the timed safety wake) may have woken the other proposal's waiters.
        Assert.True(!otherWaiters.IsCompleted || Volatile.Read(ref listener.EveryoneWakes) > everyoneWakesBefore, "an answer to another proposal woke this proposal's waiters");

        Task<Response?> wait = queue.WaitForResponseAsync(waiting, Patience);
        decisions.Decide(waiting, ResponseStatus.Rejected, "no");
        Assert.Equal(ResponseStatus.Rejected, (await wait)!.Status);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the listener never connected");
            await Task.Delay(20);
        }
    }

    public void Dispose() => _temp.Dispose();
}
