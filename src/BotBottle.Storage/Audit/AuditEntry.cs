using System;
using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Audit;

/// <summary>One operator decision in the audit log (<c>supervise_audit_entries</c>).</summary>
/// <param name="Id">Assigned by the database; ignored when writing.</param>
/// <param name="Timestamp">When the decision was made (UTC).</param>
/// <param name="BottleSlug">The bottle it concerns.</param>
/// <param name="Component">What it changed: the tool or sidecar (pipelock-block, git-gate, …).</param>
/// <param name="OperatorAction">approved, modified, rejected, or another verb.</param>
/// <param name="OperatorNotes">The operator's notes.</param>
/// <param name="Justification">The agent's justification, as proposed.</param>
/// <param name="Diff">A unified diff of the current file to the final one.</param>
/// <param name="PrevHash">The previous entry's <paramref name="EntryHash"/> (the chain link); set when written.</param>
/// <param name="EntryHash">SHA-256 over this entry and <paramref name="PrevHash"/> (see <see cref="AuditChain"/>); set when written.</param>
[SqliteRow]
public sealed record AuditEntry(
    long Id,
    DateTimeOffset Timestamp,
    string BottleSlug,
    string Component,
    string OperatorAction,
    string OperatorNotes,
    string Justification,
    string Diff,
    string? PrevHash = null,
    string? EntryHash = null);
