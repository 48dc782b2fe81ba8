using System.Collections.Generic;
using System.Text.Json.Serialization;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar;

/// <summary>What a supervise tool call and <c>propose --wait</c> return.</summary>
/// <param name="Status">approved, modified, rejected, or pending.</param>
/// <param name="Notes">The operator's notes ("" while pending).</param>
/// <param name="FinalFile">The file that now applies: the proposed file when approved, the operator's when modified; null when rejected or pending.</param>
/// <param name="ProposalId">The proposal this answers; pass it to supervise-status to keep waiting.</param>
internal sealed record ToolResult(string Status, string Notes, string? FinalFile, string ProposalId)
{
    public static ToolResult Pending(string proposalId) => new("pending", string.Empty, null, proposalId);

    public static ToolResult From(Proposal proposal, Response response) => new(
        ResponseStatusSqliteText.ToText(response.Status),
        response.Notes,
        response.Status switch
        {
            ResponseStatus.Approved => response.FinalFile ?? proposal.ProposedFile,
            ResponseStatus.Modified => response.FinalFile,
            _ => null,
        },
        proposal.Id);
}

/// <summary><c>propose</c> without <c>--wait</c>, as JSON.</summary>
/// <param name="ProposalId">The proposal to wait on.</param>
/// <param name="Joined">True when an identical open proposal already existed and was reused.</param>
internal sealed record ProposeOutput(string ProposalId, bool Joined);

/// <summary><c>queue show</c>, as JSON.</summary>
/// <param name="Proposal">The proposal.</param>
/// <param name="Response">Its response, if answered.</param>
internal sealed record ProposalDetails(Proposal Proposal, Response? Response);

/// <summary><c>db check</c>, as JSON.</summary>
/// <param name="Ok">True when the integrity check and the migration validation both pass.</param>
/// <param name="Integrity">The lines of <c>PRAGMA integrity_check</c> ("ok" when sound).</param>
/// <param name="Problems">Every problem found, each with what to do.</param>
/// <param name="Migrations">The migration report.</param>
internal sealed record DbCheckOutput(bool Ok, IReadOnlyList<string> Integrity, IReadOnlyList<string> Problems, MigrationReport? Migrations);

/// <summary><c>bottles --json</c>: one object, so a dashboard can add fields without breaking parsers.</summary>
/// <param name="Bottles">Every bottle, by slug.</param>
/// <param name="Unreadable">Rows that could not be read (key: the slug), each with why; empty when all could.</param>
internal sealed record BottlesOutput(IReadOnlyList<BottleStatus> Bottles, IReadOnlyList<BotBottle.Storage.Mapping.UnreadableRow> Unreadable);

/// <summary>Source-generated JSON for every shape the sidecar prints or returns.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ToolResult))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ProposeOutput))]
[JsonSerializable(typeof(ProposalDetails))]
[JsonSerializable(typeof(DbCheckOutput))]
[JsonSerializable(typeof(Decision))]
[JsonSerializable(typeof(List<Proposal>))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(MigrationReport))]
[JsonSerializable(typeof(MigrationRun))]
[JsonSerializable(typeof(AuditChainReport))]
[JsonSerializable(typeof(List<Cli.LimitRow>))]
[JsonSerializable(typeof(BottlesOutput))]
[JsonSerializable(typeof(QueueEvent))]
[JsonSerializable(typeof(List<BottleStatus>))]
[JsonSerializable(typeof(List<BottleGrant>))]
[JsonSerializable(typeof(AuditEntry))]
internal sealed partial class SidecarJsonContext : JsonSerializerContext;

/// <summary>
/// JSON as agents, scripts and people read it: no \u escapes for quotes, '+' or '&lt;' (never
/// embedded in HTML), but none of the characters that could reshape a terminal either.
/// </summary>
internal static class SidecarJson
{
    public static readonly SidecarJsonContext Readable = new(new System.Text.Json.JsonSerializerOptions(SidecarJsonContext.Default.Options)
    {
        Encoder = Cli.TerminalSafeJsonEncoder.Instance,
    });
}
