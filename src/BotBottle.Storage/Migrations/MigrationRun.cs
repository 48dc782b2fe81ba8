using System.Collections.Generic;

namespace BotBottle.Storage.Migrations;

/// <summary>What a run would do, or did.</summary>
/// <param name="FromVersion">The newest applied version before the run.</param>
/// <param name="ToVersion">The newest applied version after it.</param>
/// <param name="Steps">The migrations applied (up) or reverted (down), in order, each with the SQL run.</param>
public sealed record MigrationRun(int FromVersion, int ToVersion, IReadOnlyList<MigrationStep> Steps);
