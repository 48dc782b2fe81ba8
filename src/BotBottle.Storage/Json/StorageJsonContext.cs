using System.Collections.Generic;
using System.Text.Json.Serialization;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;

namespace BotBottle.Storage.Json;

/// <summary>
/// Source-generated JSON for the domain types, in the snake_case shapes the CLI prints, the MCP
/// server returns and the C ABI exchanges. No reflection: safe under trimming and NativeAOT.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UseStringEnumConverter = true,
    WriteIndented = false)]
[JsonSerializable(typeof(Proposal))]
[JsonSerializable(typeof(Response))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(List<Proposal>))]
[JsonSerializable(typeof(List<AuditEntry>))]
[JsonSerializable(typeof(AuditQuery))]
[JsonSerializable(typeof(MigrationReport))]
[JsonSerializable(typeof(MigrationRun))]
public sealed partial class StorageJsonContext : JsonSerializerContext
{
}
