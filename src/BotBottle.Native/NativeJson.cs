using System;
using System.Collections.Generic;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Queue;

namespace BotBottle.Native;

/// <summary>A proposal draft: what the caller says; the store makes the id, arrival time and hash.</summary>
internal sealed record ProposalDraftInput(string? BottleSlug, string? Tool, string? ProposedFile, string? Justification, string? CurrentFile);

/// <summary>A response to write; status is text so a wrong value gets a clear message.</summary>
internal sealed record ResponseInput(string? ProposalId, string? Status, string? Notes, string? FinalFile);

/// <summary>An audit entry to write; timestamp defaults to now.</summary>
internal sealed record AuditEntryInput(
    DateTimeOffset? Timestamp,
    string? BottleSlug,
    string? Component,
    string? OperatorAction,
    string? OperatorNotes,
    string? Justification,
    string? Diff);

/// <summary>bb_read_audit_entries filters, all optional.</summary>
internal sealed record AuditFilterInput(string? BottleSlug, string? Component, DateTimeOffset? Since, DateTimeOffset? Until, int? Limit);

/// <summary>The C ABI's JSON: the same snake_case shapes the CLI's --json prints.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = 16)]
[JsonSerializable(typeof(ProposalDraftInput))]
[JsonSerializable(typeof(ResponseInput))]
[JsonSerializable(typeof(AuditEntryInput))]
[JsonSerializable(typeof(AuditFilterInput))]
[JsonSerializable(typeof(Proposal))]
[JsonSerializable(typeof(Response))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(Decision))]
[JsonSerializable(typeof(List<Proposal>))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(List<Storage.Bottles.BottleStatus>))]
internal sealed partial class NativeJsonContext : JsonSerializerContext;

/// <summary>Output without \u escapes for quotes and '+': callers parse it, no HTML embeds it.</summary>
internal static class NativeJson
{
    public static readonly NativeJsonContext Readable = new(new JsonSerializerOptions(NativeJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
