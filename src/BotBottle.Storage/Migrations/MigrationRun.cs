using System.Collections.Generic;
using System.Linq;

namespace BotBottle.Storage.Migrations;

/// <summary>What a run would do, or did.</summary>
/// <param name="FromVersion">The newest applied version before the run.</param>
/// <param name="ToVersion">The newest applied version after it.</param>
/// <param name="Steps">The migrations applied (up) or reverted (down), in order, each with the SQL run.</param>
public sealed record MigrationRun(int FromVersion, int ToVersion, IReadOnlyList<MigrationStep> Steps)
{
    /// <summary>What applying <paramref name="pending"/> to a database holding <paramref name="applied"/> would do.</summary>
    internal static MigrationRun Plan(IReadOnlyList<AppliedMigration> applied, IReadOnlyList<Migration> pending)
    {
        List<MigrationStep> steps = pending.Select(static m => new MigrationStep(m.Version, m.Name, "up", m.UpSql)).ToList();
        int from = MigrationRules.NewestOf(applied.Select(static a => a.Version));
        int to = MigrationRules.NewestOf(applied.Select(static a => a.Version).Concat(steps.Select(static s => s.Version)));
        return new MigrationRun(from, to, steps);
    }
}
