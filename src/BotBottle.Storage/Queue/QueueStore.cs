using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Sql;
using BotBottle.Storage.Validation;
using System.Data.Common;

namespace BotBottle.Storage.Queue;

/// <summary>
/// The supervise queue: sidecars write proposals and wait; the operator lists pending ones and
/// answers; the sidecar archives what it consumed. Thread-safe; every call is one transaction.
/// </summary>
public sealed class QueueStore
{
    private readonly IStoreDatabase _database;

    /// <summary>Over <paramref name="database"/>, a host's SQLite file or fleet mode's PostgreSQL: the same rules on either.</summary>
    public QueueStore(StoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database.Engine;
    }

    /// <summary>The queue as <paramref name="slug"/>'s sidecar doors see it: its own proposals and nothing else.</summary>
    /// <exception cref="StorageException">InvalidArgument for a malformed slug.</exception>
    public BottleQueueView ForBottle(string slug) => new(this, slug);

    /// <summary>
    /// The one way a proposal enters the queue. Applies every rule (<see cref="ProposalLimits"/>),
    /// then, unless an open (unarchived) proposal from the same bottle and tool with the same file
    /// and justification exists, stores a new one with a fresh id, the arrival time and the current
    /// file's hash; otherwise that open one is returned, so a client that retries after a timeout
    /// waits on the original rather than queueing a duplicate. A new proposal must also fit the
    /// host's caps (<see cref="Limits.SuperviseLimits"/>); a joined one is never refused.
    /// </summary>
    /// <returns>The proposal to wait on, and whether it was an existing one.</returns>
    /// <exception cref="StorageException">
    /// InvalidArgument for a draft that breaks a rule; LimitReached past a cap; MissingDependency when
    /// the current file cannot be hashed. Nothing is written in any of these cases.
    /// </exception>
    public ProposalWriteResult WriteOrJoinProposal(ProposalDraft draft)
    {
        ProposalLimits.Check(draft);
        if (_database.ServerKeepsRules)
        {
            return ProposeOnServer(draft);
        }

        string? currentFileHash = draft.CurrentFile is null ? null : Proposal.Sha256Hex(draft.CurrentFile);
        return _database.Write((connection, transaction) =>
        {
            using (DbCommand find = SqlRegistry.Command(connection, transaction, QueueSql.FindOpenDuplicate))
            {
                find.Bind("$bottle_slug", draft.BottleSlug)
                    .Bind("$tool", draft.Tool)
                    .Bind("$proposed_file", draft.ProposedFile)
                    .Bind("$justification", draft.Justification);
                using DbDataReader reader = find.ExecuteReader();
                if (ProposalRowMapper.Instance.ReadFirstOrDefault(reader) is { } open)
                {
                    return new ProposalWriteResult(open, Joined: true);
                }
            }

            var proposal = new Proposal(
                Proposal.NewId(), draft.BottleSlug, draft.Tool, draft.ProposedFile, draft.Justification,
                DateTimeOffset.UtcNow, currentFileHash, Archived: false, draft.CurrentFile);
            Insert(connection, transaction, proposal);
            return new ProposalWriteResult(proposal, Joined: false);
        });
    }

    /// <summary>
    /// Fleet mode: the server applies the same rules again (a broker's host is not trusted to have),
    /// counts the caps, keeps the rate bucket and makes the id, time and hash.
    /// </summary>
    private ProposalWriteResult ProposeOnServer(ProposalDraft draft) => _database.Write((connection, transaction) =>
    {
        string id;
        bool joined;
        using (DbCommand propose = SqlRegistry.Command(connection, transaction, QueueSql.ProposeOnServer))
        {
            propose.Bind("$bottle_slug", draft.BottleSlug)
                .Bind("$tool", draft.Tool)
                .Bind("$proposed_file", draft.ProposedFile)
                .Bind("$justification", draft.Justification)
                .Bind("$current_file", draft.CurrentFile);
            using DbDataReader reader = propose.ExecuteReader();
            reader.Read();
            id = reader.GetString(0);
            joined = reader.GetBoolean(1);
        }

        return new ProposalWriteResult(ReadProposal(connection, transaction, id)!, joined);
    });

    /// <summary>
    /// Stores a fully made proposal, id and arrival time included, under the same rules and caps:
    /// for tests and fixtures that need control over those; production code proposes through
    /// <see cref="WriteOrJoinProposal"/>.
    /// </summary>
    /// <exception cref="StorageException">InvalidArgument for a bad field; Conflict when the id exists.</exception>
    internal void WriteProposal(Proposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        Validate.Id(proposal.Id, "id");
        Validate.OptionalText(proposal.CurrentFileHash, "current_file_hash", 128);
        ProposalLimits.Check(new ProposalDraft(proposal.BottleSlug, proposal.Tool, proposal.ProposedFile, proposal.Justification, proposal.CurrentFile));
        _database.Write((connection, transaction) =>
        {
            Insert(connection, transaction, proposal);
            return 0;
        });
    }

    /// <summary>The proposal with <paramref name="proposalId"/>, or null.</summary>
    public Proposal? ReadProposal(string proposalId)
    {
        Validate.Id(proposalId, "proposal_id");
        return _database.Read(connection => ReadProposal(connection, null, proposalId));
    }

    /// <summary>
    /// Proposals waiting for the operator: not archived and without an unarchived response,
    /// oldest arrival first.
    /// </summary>
    /// <param name="bottleSlug">One bottle's queue, or null for every bottle.</param>
    /// <returns>The proposals, and aside (<see cref="RowList{T}.Unreadable"/>) any row that could not be read.</returns>
    public RowList<Proposal> ListPendingProposals(string? bottleSlug = null)
    {
        if (bottleSlug is not null)
        {
            Validate.Slug(bottleSlug);
        }

        return _database.Read(connection =>
        {
            using DbCommand command = bottleSlug is null
                ? SqlRegistry.Command(connection, null, QueueSql.ListPendingAll)
                : SqlRegistry.Command(connection, null, QueueSql.ListPendingForSlug).Bind("$bottle_slug", bottleSlug);
            using DbDataReader reader = command.ExecuteReader();
            return RowList<Proposal>.Read(reader, ProposalRowMapper.Instance);
        });
    }

    /// <summary>Stores the operator's answer. A proposal is answered once.</summary>
    /// <exception cref="StorageException">
    /// InvalidArgument for a bad field (modified without a final file, an undeclared status);
    /// NotFound for an unknown proposal; AlreadyAnswered for a second answer; Conflict for an
    /// archived proposal. Nothing is written in any of these cases.
    /// </exception>
    public void WriteResponse(Response response)
    {
        ValidateResponse(response);
        _database.Write((connection, transaction) =>
        {
            InsertResponse(connection, transaction, response);
            return 0;
        });
    }

    /// <summary>The response to <paramref name="proposalId"/>, or null if it has none yet.</summary>
    public Response? ReadResponse(string proposalId)
    {
        Validate.Id(proposalId, "proposal_id");
        return _database.Read(connection => ReadResponse(connection, null, proposalId));
    }

    /// <summary>
    /// Waits until the proposal has a response, written by this or any other process. On SQLite,
    /// waiters share the process's <see cref="ResponseNotifier"/>: a commit anywhere is noticed within
    /// about a millisecond and costs one query however many wait, and nothing is polled while nobody
    /// waits. In fleet mode a NOTIFY naming the proposal wakes its waiters (<see cref="ResponseRereader"/>).
    /// </summary>
    /// <param name="proposalId">The proposal to wait on.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The response, or null when <paramref name="timeout"/> passed first.</returns>
    /// <exception cref="StorageException">NotFound when the proposal does not exist.</exception>
    public async Task<Response?> WaitForResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Validate.Id(proposalId, "proposal_id");
        WaitLimits.Check(timeout);
        if (ReadProposal(proposalId) is null)
        {
            throw new StorageException(StorageErrorKind.NotFound, $"No proposal {proposalId} to wait for.");
        }

        return await _database.WaitForResponseAsync(proposalId, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The queue as it changes: first every unarchived proposal (<c>pending</c>, or <c>answered</c>
    /// when it has a decision its sidecar has not consumed yet), then each change as another process
    /// commits it: <c>proposed</c>, <c>answered</c>, <c>archived</c>, <c>withdrawn</c>. Woken by the same change
    /// watcher the waits use (dnotify or inotify where the kernel has them), one query per change; nothing runs on a timer.
    /// </summary>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <exception cref="StorageException">The database became unavailable.</exception>
    public async IAsyncEnumerable<QueueEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IChangeSignal watcher = _database.Changes;
        using IDisposable lease = watcher.Register();

        // Taken before each read: a commit during the read still wakes the next one.
        Task changed = watcher.NextChange;
        (Dictionary<string, OpenProposal> open, IReadOnlyList<UnreadableRow> unreadable) = ReadOpenProposals();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (OpenProposal proposal in open.Values)
        {
            yield return new QueueEvent(proposal.Status is null ? "pending" : "answered", proposal.Id, proposal.BottleSlug, proposal.Tool, proposal.ArrivalTimestamp, proposal.Status);
        }

        foreach (QueueEvent report in ReportUnreadable(unreadable, reported))
        {
            yield return report;
        }

        while (true)
        {
            try
            {
                // Changes wake the watch; the stat every few seconds only notices a database that
                // vanished (deleted, or its mount gone), which no notification reliably reports.
                while (!await WaitOrTimeOutAsync(changed, VanishedCheckInterval, cancellationToken).ConfigureAwait(false))
                {
                    _database.ThrowIfGone();
                }
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            changed = watcher.NextChange;
            if (ReadOpenProposalsUnlessServerAway() is not ({ } now, { } unreadableNow))
            {
                continue;
            }

            foreach (QueueEvent report in ReportUnreadable(unreadableNow, reported))
            {
                yield return report;
            }

            DateTimeOffset seen = DateTimeOffset.UtcNow;
            foreach (OpenProposal proposal in now.Values)
            {
                if (!open.TryGetValue(proposal.Id, out OpenProposal? before))
                {
                    yield return new QueueEvent("proposed", proposal.Id, proposal.BottleSlug, proposal.Tool, proposal.ArrivalTimestamp);
                    if (proposal.Status is not null)
                    {
                        yield return new QueueEvent("answered", proposal.Id, proposal.BottleSlug, proposal.Tool, seen, proposal.Status);
                    }
                }
                else if (before.Status is null && proposal.Status is not null)
                {
                    yield return new QueueEvent("answered", proposal.Id, proposal.BottleSlug, proposal.Tool, seen, proposal.Status);
                }
            }

            foreach (OpenProposal gone in open.Values)
            {
                if (!now.ContainsKey(gone.Id))
                {
                    // Unanswered and gone: its agent withdrew it (tasks/cancel), unless the host archived it.
                    bool withdrawn = gone.Status is null && ReadWithdrawal(gone.Id) is not null;
                    yield return new QueueEvent(withdrawn ? "withdrawn" : "archived", gone.Id, gone.BottleSlug, gone.Tool, seen, gone.Status);
                }
            }

            open = now;
        }
    }

    private static readonly TimeSpan VanishedCheckInterval = TimeSpan.FromSeconds(5);

    private static async Task<bool> WaitOrTimeOutAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// The open proposals, or null while fleet mode's server is away (restarting, out of reach): the
    /// watch then waits for the listener, which wakes it when the server is back, and compares then.
    /// A SQLite file that vanished still ends the watch.
    /// </summary>
    /// <summary>An <c>unreadable</c> event for each row not reported yet: once per row, however often the watch re-reads it.</summary>
    private static IEnumerable<QueueEvent> ReportUnreadable(IReadOnlyList<UnreadableRow> unreadable, HashSet<string> reported)
    {
        foreach (UnreadableRow row in unreadable)
        {
            if (reported.Add(row.Key))
            {
                yield return new QueueEvent("unreadable", row.Key, string.Empty, string.Empty, DateTimeOffset.UtcNow, Reason: row.Reason);
            }
        }
    }

    private (Dictionary<string, OpenProposal>, IReadOnlyList<UnreadableRow>)? ReadOpenProposalsUnlessServerAway()
    {
        try
        {
            return ReadOpenProposals();
        }
        catch (StorageException exception) when (_database.IsAwayForNow(exception))
        {
            return null;
        }
    }

    private (Dictionary<string, OpenProposal>, IReadOnlyList<UnreadableRow>) ReadOpenProposals()
    {
        _database.ThrowIfGone();
        return _database.Read(static connection =>
        {
            using DbCommand command = SqlRegistry.Command(connection, null, QueueSql.ListOpenProposals);
            using DbDataReader reader = command.ExecuteReader();

            // Insertion order is arrival order, which is the order pending proposals are listed in.
            var open = new Dictionary<string, OpenProposal>(StringComparer.Ordinal);
            RowList<OpenProposal> rows = RowList<OpenProposal>.Read(reader, OpenProposalRowMapper.Instance);
            foreach (OpenProposal proposal in rows)
            {
                open.Add(proposal.Id, proposal);
            }

            return (open, rows.Unreadable);
        });
    }

    /// <summary>
    /// Marks the proposal and its response archived: consumed, never pending again. Archiving
    /// twice is harmless. The host may archive an unanswered proposal; a sidecar may not, so it
    /// can never drop a proposal from the operator's queue (the database enforces this too).
    /// </summary>
    /// <exception cref="StorageException">NotFound when the proposal does not exist; Denied when a sidecar archives an unanswered one.</exception>
    public void ArchiveProposal(string proposalId)
    {
        Validate.Id(proposalId, "proposal_id");
        _database.Write((connection, transaction) =>
        {
            if (ReadProposal(connection, transaction, proposalId) is null)
            {
                throw new StorageException(StorageErrorKind.NotFound, $"No proposal {proposalId} to archive.");
            }

            Archive(connection, transaction, proposalId);
            if (_database.Role == DatabaseRole.Sidecar && !ResponseExists(connection, transaction, proposalId))
            {
                throw new StorageException(
                    StorageErrorKind.Denied,
                    $"Proposal {proposalId} has no answer yet; a sidecar archives only a proposal whose answer it consumed, so it stays in the operator's queue.");
            }

            return 0;
        });
    }

    /// <summary>The notes of every withdrawal's audit entry.</summary>
    public const string WithdrawalReason = "withdrawn by the agent before the operator answered";

    /// <summary>
    /// Takes back an unanswered proposal: it leaves the operator's pending list (archived) and the
    /// audit log records it as "withdrawn", in one transaction. A sidecar withdraws only its own
    /// bottle's proposals (the database enforces it). Withdrawing twice returns the first withdrawal.
    /// </summary>
    /// <exception cref="StorageException">
    /// NotFound for an unknown proposal; Conflict when the operator already answered it (the
    /// decision stands) or it was archived; Denied for another bottle's proposal.
    /// </exception>
    public Withdrawal WithdrawProposal(string proposalId)
    {
        Validate.Id(proposalId, "proposal_id");
        return _database.Write((connection, transaction) =>
        {
            if (ReadWithdrawal(connection, transaction, proposalId) is { } earlier)
            {
                return earlier;
            }

            Proposal proposal = ReadProposal(connection, transaction, proposalId)
                ?? throw new StorageException(StorageErrorKind.NotFound, $"No proposal {proposalId} to withdraw.");
            if (ResponseExists(connection, transaction, proposalId))
            {
                throw new StorageException(StorageErrorKind.Conflict, $"Proposal {proposalId} was already answered by the operator; its decision stands.");
            }

            if (proposal.Archived)
            {
                throw new StorageException(StorageErrorKind.Conflict, $"Proposal {proposalId} is already archived.");
            }

            string diff = UnifiedDiff.ForAudit(UnifiedDiff.Create(proposal.CurrentFile, proposal.ProposedFile, "current", "withdrawn"), proposal.Id);
            if (_database.ServerKeepsRules)
            {
                // The server stamps, numbers and chains it (a broker cannot read the log).
                using DbCommand withdraw = SqlRegistry.Command(connection, transaction, QueueSql.WithdrawOnServer).Bind("$proposal_id", proposalId).Bind("$diff", diff);
                using DbDataReader reader = withdraw.ExecuteReader();
                return WithdrawalRowMapper.Instance.ReadFirstOrDefault(reader)!;
            }

            // The entry is written by the trigger, chained here exactly as AuditStore.Insert chains one.
            string timestamp = SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow);
            (long auditId, string previous) = AuditStore.NextLink(connection, transaction);
            string hash = AuditChain.Hash(previous, auditId, timestamp, proposal.BottleSlug, proposal.Tool, "withdrawn", WithdrawalReason, proposal.Justification, diff);
            using (DbCommand insert = SqlRegistry.Command(connection, transaction, QueueSql.InsertWithdrawal))
            {
                insert.Bind("$proposal_id", proposalId)
                    .Bind("$withdrawn_at", timestamp)
                    .Bind("$reason", WithdrawalReason)
                    .Bind("$diff", diff)
                    .Bind("$audit_id", auditId)
                    .Bind("$audit_prev_hash", previous)
                    .Bind("$audit_hash", hash)
                    .ExecuteNonQuery();
            }

            return ReadWithdrawal(connection, transaction, proposalId)!;
        });
    }

    /// <summary>
    /// Records that the operator has looked at the proposal (the first time only), so the agent
    /// waiting on it can be told a person has seen it. Host role; a sidecar is denied.
    /// </summary>
    public void MarkSeenByOperator(string proposalId)
    {
        Validate.Id(proposalId, "proposal_id");
        _database.Write((connection, transaction) =>
        {
            using DbCommand insert = SqlRegistry.Command(connection, transaction, QueueSql.InsertProposalView);
            insert.Bind("$proposal_id", proposalId).Bind("$first_seen_at", SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow)).ExecuteNonQuery();
            return 0;
        });
    }

    /// <summary>When the operator first looked at the proposal, or null if they have not yet.</summary>
    public DateTimeOffset? ReadFirstSeen(string proposalId)
    {
        Validate.Id(proposalId, "proposal_id");
        return _database.Read(connection =>
        {
            using DbCommand select = SqlRegistry.Command(connection, null, QueueSql.SelectProposalView).Bind("$proposal_id", proposalId);
            return select.ExecuteScalar() is string seen ? SqliteValues.ReadTimestamp(seen) : (DateTimeOffset?)null;
        });
    }

    /// <summary>The withdrawal of <paramref name="proposalId"/>, or null if it was not withdrawn.</summary>
    public Withdrawal? ReadWithdrawal(string proposalId)
    {
        Validate.Id(proposalId, "proposal_id");
        return _database.Read(connection => ReadWithdrawal(connection, null, proposalId));
    }

    private static Withdrawal? ReadWithdrawal(DbConnection connection, DbTransaction? transaction, string proposalId)
    {
        using DbCommand command = SqlRegistry.Command(connection, transaction, QueueSql.SelectWithdrawal).Bind("$proposal_id", proposalId);
        using DbDataReader reader = command.ExecuteReader();
        return WithdrawalRowMapper.Instance.ReadFirstOrDefault(reader);
    }

    /// <summary>
    /// What a sidecar does with the operator's decision: waits for it like
    /// <see cref="WaitForResponseAsync"/>, then reads and archives it in one transaction (the
    /// response, and with it the proposal), so it is consumed exactly when it is returned and never
    /// pending again. Consuming an already consumed proposal returns its decision again.
    /// </summary>
    /// <returns>
    /// The decision, or null when <paramref name="timeout"/> passed first. Its <see cref="Response.Archived"/>
    /// says whether an earlier call had already consumed it (false: this call did).
    /// </returns>
    /// <exception cref="StorageException">NotFound when the proposal does not exist.</exception>
    public async Task<Response?> ConsumeResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (await WaitForResponseAsync(proposalId, timeout, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        return _database.Write((connection, transaction) =>
        {
            Response response = ReadResponse(connection, transaction, proposalId)!;
            Archive(connection, transaction, proposalId);
            return response;
        });
    }

    /// <summary>
    /// Whether this store can do its job now: the database opens, its schema is one this binary
    /// works with, it is writable, and the disk holds more than the host's free-space reserve.
    /// </summary>
    public StorageHealth CheckHealth() => _database.CheckHealth();

    /// <summary>How this process's waits learn of a decision, for the log and doctor.</summary>
    public WaitMode DescribeWaits() => _database.DescribeWaits();

    internal static void ValidateResponse(Response response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Validate.Id(response.ProposalId, "proposal_id");
        if (response.Status is not (ResponseStatus.Approved or ResponseStatus.Modified or ResponseStatus.Rejected))
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, $"status {(int)response.Status} is not one of approved, modified, rejected.");
        }

        Validate.Text(response.Notes, "notes", Validate.MaxTextBytes);
        if (response.FinalFile is not null)
        {
            // The operator's file is applied to the bottle and shown in the audit log: the agent's text rules hold for it too.
            Validate.AgentText(response.FinalFile, "final_file", Validate.MaxFileBytes);
        }

        if (response.Status == ResponseStatus.Modified && response.FinalFile is null)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "A modified response needs final_file: the file the operator wants applied instead.");
        }
    }

    /// <summary>
    /// Inserts <paramref name="response"/> inside the caller's write transaction after checking the
    /// proposal exists, is not archived and has no response yet.
    /// </summary>
    /// <returns>The proposal answered.</returns>
    internal static Proposal InsertResponse(DbConnection connection, DbTransaction transaction, Response response)
    {
        Proposal proposal = ReadProposal(connection, transaction, response.ProposalId)
            ?? throw new StorageException(StorageErrorKind.NotFound, $"No proposal {response.ProposalId}; list pending ones with 'queue pending'.");
        if (proposal.Archived)
        {
            throw new StorageException(StorageErrorKind.Conflict, $"Proposal {response.ProposalId} is archived; it can no longer be answered.");
        }

        if (ResponseExists(connection, transaction, response.ProposalId))
        {
            throw new StorageException(StorageErrorKind.AlreadyAnswered, $"Proposal {response.ProposalId} already has a response; a decision is written once.");
        }

        using DbCommand insert = SqlRegistry.Command(connection, transaction, QueueSql.InsertResponse);
        insert.Bind("$proposal_id", response.ProposalId)
            .Bind("$status", ResponseStatusSqliteText.ToText(response.Status))
            .Bind("$notes", response.Notes)
            .Bind("$final_file", response.FinalFile)
            .ExecuteNonQuery();
        return proposal;
    }

    private void Insert(DbConnection connection, DbTransaction transaction, Proposal proposal)
    {
        if (ReadProposal(connection, transaction, proposal.Id) is not null)
        {
            throw new StorageException(StorageErrorKind.Conflict, $"A proposal with id {proposal.Id} already exists; use a new id (Proposal.NewId()).");
        }

        ProposalCaps.Admit(connection, transaction, _database.ReservedDiskPath, proposal, DateTimeOffset.UtcNow);

        using DbCommand insert = SqlRegistry.Command(connection, transaction, QueueSql.InsertProposal);
        insert.Bind("$id", proposal.Id)
            .Bind("$bottle_slug", proposal.BottleSlug)
            .Bind("$tool", proposal.Tool)
            .Bind("$proposed_file", proposal.ProposedFile)
            .Bind("$justification", proposal.Justification)
            .Bind("$arrival_timestamp", SqliteValues.FormatTimestamp(proposal.ArrivalTimestamp))
            .Bind("$current_file_hash", proposal.CurrentFileHash)
            .Bind("$archived", SqliteValues.FormatBoolean(proposal.Archived))
            .Bind("$current_file", proposal.CurrentFile)
            .ExecuteNonQuery();
    }

    internal static Proposal? ReadProposal(DbConnection connection, DbTransaction? transaction, string proposalId)
    {
        using DbCommand command = SqlRegistry.Command(connection, transaction, QueueSql.SelectProposal).Bind("$id", proposalId);
        using DbDataReader reader = command.ExecuteReader();
        try
        {
            return ProposalRowMapper.Instance.ReadFirstOrDefault(reader);
        }
        catch (Exception exception) when (UnreadableRow.IsUnreadable(exception))
        {
            throw Unreadable("Proposal", proposalId, exception);
        }
    }

    /// <summary>Archives the response, which archives the proposal with it (trigger supervise_responses_archive_proposal); the host archives an unanswered proposal too.</summary>
    private void Archive(DbConnection connection, DbTransaction transaction, string proposalId)
    {
        if (_database.ServerKeepsRules && _database.Role == DatabaseRole.Sidecar)
        {
            // A broker writes no table: the server archives an answered proposal of a bottle it serves.
            using DbCommand archive = SqlRegistry.Command(connection, transaction, QueueSql.ArchiveAnsweredOnServer).Bind("$id", proposalId);
            archive.ExecuteNonQuery();
            return;
        }

        using (DbCommand response = SqlRegistry.Command(connection, transaction, QueueSql.ArchiveResponse).Bind("$id", proposalId))
        {
            response.ExecuteNonQuery();
        }

        if (_database.Role == DatabaseRole.Host)
        {
            using DbCommand proposal = SqlRegistry.Command(connection, transaction, QueueSql.ArchiveProposal).Bind("$id", proposalId);
            proposal.ExecuteNonQuery();
        }
    }

    private static bool ResponseExists(DbConnection connection, DbTransaction transaction, string proposalId)
    {
        using DbCommand exists = SqlRegistry.Command(connection, transaction, QueueSql.SelectResponseExists).Bind("$proposal_id", proposalId);
        return exists.ExecuteScalar() is not null;
    }

    internal static Response? ReadResponse(DbConnection connection, DbTransaction? transaction, string proposalId)
    {
        using DbCommand command = SqlRegistry.Command(connection, transaction, QueueSql.SelectResponse).Bind("$proposal_id", proposalId);
        using DbDataReader reader = command.ExecuteReader();
        try
        {
            return ResponseRowMapper.Instance.ReadFirstOrDefault(reader);
        }
        catch (Exception exception) when (UnreadableRow.IsUnreadable(exception))
        {
            throw Unreadable("The response to proposal", proposalId, exception);
        }
    }

    private static StorageException Unreadable(string what, string id, Exception exception)
        => new(StorageErrorKind.Corrupt, $"{what} {id} cannot be read ({exception.Message}): its row was written outside bot-bottle. Other proposals are unaffected; 'queue pending' lists them.", exception);
}
