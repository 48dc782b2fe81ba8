using System;
using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Queue;

/// <summary>
/// An agent took back a proposal before the operator answered it (MCP tasks/cancel): the proposal
/// is archived, off the operator's pending list, and the audit log holds a "withdrawn" entry.
/// </summary>
/// <param name="ProposalId">The withdrawn proposal.</param>
/// <param name="WithdrawnAt">When.</param>
/// <param name="Reason">Why, as the audit entry's notes.</param>
/// <param name="AuditId">The audit entry it wrote.</param>
[SqliteRow]
public sealed record Withdrawal(string ProposalId, DateTimeOffset WithdrawnAt, string Reason, long AuditId);
