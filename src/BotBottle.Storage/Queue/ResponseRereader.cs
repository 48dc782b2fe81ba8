using System;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Queue;

/// <summary>
/// Waits for a response the way fleet mode does: each change that may concern the proposal (a
/// NOTIFY naming it, from any host, or a reconnect that wakes everyone) re-reads its response, so
/// a notification lost while the connection was down costs nothing. A commit to another proposal
/// wakes nobody here, so a host's waiters cost one query each per answer of their own.
/// </summary>
internal static class ResponseRereader
{
    /// <returns>The response, or null when <paramref name="timeout"/> passed first.</returns>
    public static async Task<Response?> WaitAsync(IStoreDatabase database, string proposalId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        IChangeSignal changes = database.Changes;
        using IDisposable lease = changes.Register();
        using var deadline = new CancellationTokenSource();
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        while (true)
        {
            // Taken before the read: a change committed during the read still wakes the next one.
            Task changed = changes.NextChangeTo(proposalId);
            try
            {
                if (database.Read(connection => QueueStore.ReadResponse(connection, null, proposalId)) is { } response)
                {
                    return response;
                }
            }
            catch (StorageException exception) when (database.IsAwayForNow(exception))
            {
                // The server is restarting or out of reach: the listener wakes us when it is back
                // (or at its next safety check), and the answer is read then. Nothing is lost.
            }

            if (deadline.IsCancellationRequested)
            {
                return null;
            }

            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                await changed.WaitAsync(either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The deadline passed: one last read below, then give up.
            }
        }
    }
}
