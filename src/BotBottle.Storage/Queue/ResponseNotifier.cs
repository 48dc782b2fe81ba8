using System.Data.Common;
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Queue;

/// <summary>
/// Completes waits for responses, for every waiter of one database file in the process at once.
/// On each change the <see cref="DataChangeWatcher"/> reports, one query reads the responses added
/// since the last look (responses only ever get new rowids, in commit order) and completes the
/// waiters they answer. The cost of a change is one query however many wait, so hundreds of waiting
/// calls do not turn each commit into hundreds of reads. Every 30 s the waited ids are also read
/// directly, which bounds what anything missed could cost.
/// </summary>
internal sealed class ResponseNotifier
{
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);

    private static readonly ConcurrentDictionary<string, ResponseNotifier> Notifiers = new(StringComparer.Ordinal);

    private readonly BotBottleDatabase _database;
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _waiting = new(StringComparer.Ordinal);
    private long _seenRowId = -1;
    private bool _running;
    private TaskCompletionSource _lastWaiterLeft = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ResponseNotifier(BotBottleDatabase database) => _database = database;

    /// <summary>How many change scans have run; for tests and benchmarks.</summary>
    internal long Scans;

    public static ResponseNotifier For(BotBottleDatabase database)
        => Notifiers.GetOrAdd(database.Path, static (_, db) => new ResponseNotifier(db), database);

    /// <summary>
    /// Waits for <paramref name="proposalId"/>'s response: subscribed first, then the row is read, so
    /// an answer committed at any moment is seen once, by the read or by the next scan.
    /// </summary>
    /// <returns>The response, or null when <paramref name="timeout"/> passed first.</returns>
    public async Task<Response?> WaitAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using Subscription subscription = Subscribe(proposalId);
        if (_database.Read(connection => QueueStore.ReadResponse(connection, null, proposalId)) is { } existing)
        {
            return existing;
        }

        if (timeout == TimeSpan.Zero)
        {
            return null;
        }

        Task<Response> answered = subscription.Answered;
        using var timerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task timer = Task.Delay(timeout, timerStop.Token);
        Task first = await Task.WhenAny(answered, timer).ConfigureAwait(false);
        await timerStop.CancelAsync().ConfigureAwait(false);
        if (first == answered)
        {
            return await answered.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>
    /// Registers a wait for <paramref name="proposalId"/>'s response. Subscribe <em>before</em>
    /// reading the row: a response committed after the subscription is always reported.
    /// </summary>
    public Subscription Subscribe(string proposalId)
    {
        bool start = false;
        Entry entry;
        lock (_gate)
        {
            if (!_running)
            {
                // Everything committed from here on has a larger rowid than this.
                _seenRowId = _database.Read(static connection => SqlRegistry.Scalar<long>(connection, null, QueueSql.SelectMaxResponseRowId));
                _running = true;
                start = true;
            }

            if (!_waiting.TryGetValue(proposalId, out entry!))
            {
                entry = new Entry();
                _waiting.Add(proposalId, entry);
            }

            entry.Count++;
        }

        if (start)
        {
            _ = Task.Run(RunAsync);
        }

        return new Subscription(this, proposalId, entry.Answered.Task);
    }

    private void Unsubscribe(string proposalId)
    {
        lock (_gate)
        {
            if (_waiting.TryGetValue(proposalId, out Entry? entry) && --entry.Count == 0)
            {
                _waiting.Remove(proposalId);
                if (_waiting.Count == 0)
                {
                    _lastWaiterLeft.TrySetResult();
                }
            }
        }
    }

    private async Task RunAsync()
    {
        DataChangeWatcher watcher = DataChangeWatcher.For(_database);
        using DataChangeWatcher.Lease lease = watcher.Register();
        long nextRecheck = Environment.TickCount64 + (long)RecheckInterval.TotalMilliseconds;
        while (true)
        {
            // Taken before the scan: a commit during the scan still wakes the next one.
            Task changed = watcher.NextChange;
            Task emptied;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _running = false;
                    return;
                }

                if (_lastWaiterLeft.Task.IsCompleted)
                {
                    _lastWaiterLeft = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                emptied = _lastWaiterLeft.Task;
            }

            try
            {
                ScanNewResponses();
                if (Environment.TickCount64 >= nextRecheck)
                {
                    RecheckWaited();
                    nextRecheck = Environment.TickCount64 + (long)RecheckInterval.TotalMilliseconds;
                }
            }
            catch (StorageException)
            {
                // The database is unavailable for now; waiters are still registered and the next change or recheck retries.
            }

            // Nothing here ticks while nobody answers: the loop sleeps until a commit, the last
            // waiter leaving, or the next recheck, so an idle waiting process costs no CPU.
            using var recheckStop = new CancellationTokenSource();
            Task recheck = Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, nextRecheck - Environment.TickCount64)), recheckStop.Token);
            await Task.WhenAny(changed, emptied, recheck).ConfigureAwait(false);
            await recheckStop.CancelAsync().ConfigureAwait(false);
        }
    }

    private void ScanNewResponses()
    {
        Interlocked.Increment(ref Scans);
        long after = Volatile.Read(ref _seenRowId);
        (List<Response> added, long upTo) = _database.Read(connection =>
        {
            // One snapshot, so the rowid bound and the rows agree.
            using SqliteTransaction snapshot = connection.BeginTransaction(deferred: true);
            long max = SqlRegistry.Scalar<long>(connection, snapshot, QueueSql.SelectMaxResponseRowId);
            if (max <= after)
            {
                return ([], max);
            }

            using DbCommand command = SqlRegistry.Command(connection, snapshot, QueueSql.SelectResponsesAddedAfter)
                .Bind("$after", after)
                .Bind("$up_to", max);
            using DbDataReader reader = command.ExecuteReader();
            return (ResponseRowMapper.Instance.ReadAll(reader), max);
        });

        Volatile.Write(ref _seenRowId, Math.Max(after, upTo));
        foreach (Response response in added)
        {
            Complete(response);
        }
    }

    private void RecheckWaited()
    {
        string[] ids;
        lock (_gate)
        {
            ids = [.. _waiting.Keys];
        }

        foreach (string id in ids)
        {
            if (_database.Read(connection => QueueStore.ReadResponse(connection, null, id)) is { } response)
            {
                Complete(response);
            }
        }
    }

    private void Complete(Response response)
    {
        Entry? entry;
        lock (_gate)
        {
            _waiting.TryGetValue(response.ProposalId, out entry);
        }

        entry?.Answered.TrySetResult(response);
    }

    private sealed class Entry
    {
        public TaskCompletionSource<Response> Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count { get; set; }
    }

    /// <summary>One registered wait; disposing it unregisters the wait.</summary>
    internal readonly struct Subscription(ResponseNotifier notifier, string proposalId, Task<Response> answered) : IDisposable
    {
        /// <summary>Completes with the response once one is committed.</summary>
        public Task<Response> Answered => answered;

        public void Dispose() => notifier.Unsubscribe(proposalId);
    }
}
