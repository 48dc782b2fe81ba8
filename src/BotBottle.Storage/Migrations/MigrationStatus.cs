using System;

namespace BotBottle.Storage.Migrations;

/// <summary>One line of <see cref="MigrationReport"/>.</summary>
/// <param name="Version">The migration version.</param>
/// <param name="Name">The name, from the binary when known, else as recorded.</param>
/// <param name="State">Where it stands.</param>
/// <param name="EmbeddedChecksum">The checksum compiled into this binary, if known here.</param>
/// <param name="RecordedChecksum">The checksum recorded when it was applied, if applied.</param>
/// <param name="AppliedAt">When it was applied, if applied.</param>
/// <param name="ExecutionMs">How long it took, if applied.</param>
public sealed record MigrationStatus(
    int Version,
    string Name,
    MigrationState State,
    string? EmbeddedChecksum,
    string? RecordedChecksum,
    DateTimeOffset? AppliedAt,
    long? ExecutionMs);
