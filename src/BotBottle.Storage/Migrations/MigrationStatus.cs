using System;
using System.Collections.Generic;

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

/// <summary>The database's schema compared with this binary's migrations.</summary>
/// <param name="UserVersion">The database's <c>PRAGMA user_version</c>, which mirrors the newest applied migration.</param>
/// <param name="Migrations">Every migration known here or recorded there, by version.</param>
public sealed record MigrationReport(int UserVersion, IReadOnlyList<MigrationStatus> Migrations);

/// <summary>What a run would do, or did.</summary>
/// <param name="FromVersion">The newest applied version before the run.</param>
/// <param name="ToVersion">The newest applied version after it.</param>
/// <param name="Steps">The migrations applied (up) or reverted (down), in order, each with the SQL run.</param>
public sealed record MigrationRun(int FromVersion, int ToVersion, IReadOnlyList<MigrationStep> Steps);

/// <summary>One migration in a run.</summary>
/// <param name="Version">The migration version.</param>
/// <param name="Name">The migration name.</param>
/// <param name="Direction">"up" or "down".</param>
/// <param name="Sql">The SQL that runs.</param>
public sealed record MigrationStep(int Version, string Name, string Direction, string Sql);
