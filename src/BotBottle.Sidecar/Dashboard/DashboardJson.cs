using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Dashboard;

/// <summary>
/// A proposal as the dashboard shows it. Every text an agent wrote is sent as the terminal shows
/// it (<see cref="Storage.Text.AgentText.Visible"/>: controls escaped, bidi and invisible characters
/// named), and the page puts it in the document as text, never as markup. <c>ProposedFile</c> is the
/// raw file, only to start the operator's edit from.
/// </summary>
internal sealed record DashboardProposal(
    string Id,
    string Bottle,
    string Tool,
    DateTimeOffset Arrived,
    string Status,
    DateTimeOffset? SeenAt,
    string Justification,
    string Diff,
    string ProposedFileVisible,
    string ProposedFile,
    string? CurrentFileVisible,
    string? Notes,
    string? FinalFileVisible);

/// <summary>What the dashboard asks the store to do with a proposal.</summary>
internal sealed record DashboardDecisionRequest(string? Action, string? Notes, string? FinalFile);

/// <summary>The decision as stored, with its audit entry's id.</summary>
internal sealed record DashboardDecisionResult(string Id, string Status, long AuditId);

/// <summary>A refusal, with what to do about it.</summary>
internal sealed record DashboardError(string Error, string Message);

/// <summary>The audit log page: entries (agent text made visible) and, when asked, the chain's verification.</summary>
internal sealed record DashboardAudit(IReadOnlyList<AuditEntry> Entries, AuditChainReport? Chain);

/// <summary>The bottles page and the queue page's header.</summary>
internal sealed record DashboardBottles(IReadOnlyList<BottleStatus> Bottles);

/// <summary>Source-generated JSON for the dashboard's API (snake_case, like every other JSON bot-bottle writes).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DashboardProposal))]
[JsonSerializable(typeof(DashboardDecisionRequest))]
[JsonSerializable(typeof(DashboardDecisionResult))]
[JsonSerializable(typeof(DashboardError))]
[JsonSerializable(typeof(DashboardAudit))]
[JsonSerializable(typeof(DashboardBottles))]
[JsonSerializable(typeof(QueueEvent))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
