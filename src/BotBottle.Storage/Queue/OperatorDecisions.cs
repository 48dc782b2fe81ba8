using System;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Queue;

/// <summary>
/// The operator's answer to a proposal: the response and its audit entry are written in one
/// transaction, so a decision is never recorded without its audit trail (or the reverse).
/// Host role.
/// </summary>
public sealed class OperatorDecisions
{
    private readonly IStoreDatabase _database;

    /// <summary>Over <paramref name="database"/>, a host's SQLite file or fleet mode's PostgreSQL: the same rules on either.</summary>
    public OperatorDecisions(StoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database.Engine;
    }

    /// <summary>
    /// Answers <paramref name="proposalId"/> and audits it. The audit entry's component is the
    /// proposal's tool, its action the status, and its diff goes from the current file to the
    /// file that now applies (for a rejection: to the file that was refused).
    /// </summary>
    /// <param name="proposalId">The proposal to answer.</param>
    /// <param name="status">The decision.</param>
    /// <param name="notes">The operator's notes to the agent; required when rejecting.</param>
    /// <param name="finalFile">The file to apply instead of the proposed one; required when modifying.</param>
    /// <returns>The stored response and audit entry.</returns>
    /// <exception cref="StorageException">As <see cref="QueueStore.WriteResponse"/>; nothing is written on error.</exception>
    public Decision Decide(string proposalId, ResponseStatus status, string notes, string? finalFile = null)
    {
        if (status == ResponseStatus.Rejected && string.IsNullOrWhiteSpace(notes))
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "A rejection needs notes: tell the agent why, so it can try something else.");
        }

        if (status != ResponseStatus.Modified && finalFile is not null)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "final_file is only for a modified response.");
        }

        var response = new Response(proposalId, status, notes, finalFile, Archived: false);
        QueueStore.ValidateResponse(response);

        (Proposal proposal, AuditEntry stored) = _database.Write((connection, transaction) =>
        {
            Proposal answered = QueueStore.InsertResponse(connection, transaction, response);
            if (finalFile is not null && ProposedFileRules.For(answered.Tool)?.Invoke(finalFile) is { } problem)
            {
                // The operator's file meets the same rule as the agent's; throwing rolls the response back.
                throw new StorageException(StorageErrorKind.InvalidArgument, problem.Replace("proposed_file", "final_file", StringComparison.Ordinal));
            }

            string applied = status == ResponseStatus.Modified ? finalFile! : answered.ProposedFile;
            var audit = new AuditEntry(
                Id: 0,
                Timestamp: DateTimeOffset.UtcNow,
                BottleSlug: answered.BottleSlug,
                Component: answered.Tool,
                OperatorAction: ResponseStatusSqliteText.ToText(status),
                OperatorNotes: notes,
                Justification: answered.Justification,
                Diff: UnifiedDiff.ForAudit(UnifiedDiff.Create(answered.CurrentFile, applied, "current", status == ResponseStatus.Rejected ? "rejected" : "final"), answered.Id));
            AuditStore.ValidateEntry(audit);
            return (answered, AuditStore.ReadEntry(connection, transaction, AuditStore.Insert(_database, connection, transaction, audit)));
        });

        return new Decision(proposal, response, stored);
    }
}
