using BotBottle.Storage.Audit;

namespace BotBottle.Storage.Queue;

/// <summary>What <see cref="OperatorDecisions.Decide"/> wrote.</summary>
/// <param name="Proposal">The proposal answered.</param>
/// <param name="Response">The response stored.</param>
/// <param name="AuditEntry">The audit entry stored with it.</param>
public sealed record Decision(Proposal Proposal, Response Response, AuditEntry AuditEntry);
