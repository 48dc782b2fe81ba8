using System;
using System.Collections.Generic;
using System.Linq;

namespace BotBottle.Storage.Migrations;

/// <summary>
/// The rules every migrator applies, whatever the engine: which migrations are pending, and which
/// histories are refused (an edited migration, an unknown breaking one, an unknown target, a schema
/// too old to use). <see cref="Migrator"/> (SQLite) and <see cref="PostgresMigrator"/> differ only in
/// how they lock, read and write the history.
/// </summary>
internal sealed class MigrationRules
{
    private readonly string _database;
    private readonly string _howToMigrate;

    /// <exception cref="ArgumentException">Versions are not positive and strictly increasing.</exception>
    public MigrationRules(IReadOnlyList<Migration> migrations, string database, string howToMigrate)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version <= 0 || (i > 0 && migrations[i].Version <= migrations[i - 1].Version))
            {
                throw new ArgumentException("Migration versions must be positive and strictly increasing.", nameof(migrations));
            }
        }

        Migrations = migrations;
        _database = database;
        _howToMigrate = howToMigrate;
    }

    public IReadOnlyList<Migration> Migrations { get; }

    public int LatestVersion => Migrations.Count == 0 ? 0 : Migrations[^1].Version;

    public static int NewestOf(IEnumerable<int> versions) => versions.DefaultIfEmpty(0).Max();

    public static string Label(int version, string name) => $"{version:D4}_{name}";

    /// <summary>The migrations up to <paramref name="target"/> that <paramref name="applied"/> lacks, oldest first.</summary>
    public List<Migration> Pending(IEnumerable<AppliedMigration> applied, int target)
    {
        var appliedVersions = new HashSet<int>(applied.Select(static a => a.Version));
        return Migrations.Where(m => m.Version <= target && !appliedVersions.Contains(m.Version)).ToList();
    }

    /// <summary>The applied migrations newer than <paramref name="target"/>, newest first, as this binary's migrations.</summary>
    /// <exception cref="MigrationException">One of them is unknown to this binary.</exception>
    public List<Migration> ToRevert(IEnumerable<AppliedMigration> applied, int target)
    {
        List<AppliedMigration> newer = applied.Where(a => a.Version > target).OrderByDescending(static a => a.Version).ToList();
        string[] unknown = newer.Where(a => Find(a.Version) is null).Select(static a => Label(a.Version, a.Name)).ToArray();
        if (unknown.Length > 0)
        {
            throw new MigrationException(
                MigrationErrorKind.CannotRevertUnknown,
                $"Cannot revert {string.Join(", ", unknown)}: this binary does not have their down SQL. Run 'db down' with the newer bot-bottle that applied them.");
        }

        return newer.Select(a => Find(a.Version)!).ToList();
    }

    /// <summary>Each of this binary's migrations against the history, then the history's unknown ones.</summary>
    public MigrationReport Report(List<AppliedMigration> applied, int userVersion)
    {
        var byVersion = applied.ToDictionary(static a => a.Version);
        var lines = new List<MigrationStatus>();
        foreach (Migration migration in Migrations)
        {
            if (byVersion.TryGetValue(migration.Version, out AppliedMigration? record))
            {
                MigrationState state = record.Checksum == migration.Checksum ? MigrationState.Applied : MigrationState.ChecksumMismatch;
                lines.Add(new MigrationStatus(migration.Version, migration.Name, state, migration.Checksum, record.Checksum, record.AppliedAt, record.ExecutionMs));
            }
            else
            {
                lines.Add(new MigrationStatus(migration.Version, migration.Name, MigrationState.Pending, migration.Checksum, null, null, null));
            }
        }

        foreach (AppliedMigration record in applied.Where(a => Find(a.Version) is null))
        {
            MigrationState state = record.Additive ? MigrationState.UnknownAdditive : MigrationState.UnknownBreaking;
            lines.Add(new MigrationStatus(record.Version, record.Name, state, null, record.Checksum, record.AppliedAt, record.ExecutionMs));
        }

        lines.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        return new MigrationReport(userVersion, lines);
    }

    /// <summary>Refuses a history this binary cannot use without migrating it.</summary>
    /// <exception cref="MigrationException">An edited or unknown breaking history, or a missing migration.</exception>
    public void EnsureCompatible(List<AppliedMigration> applied)
    {
        Validate(applied);

        // Loops rather than LINQ: Select over Where is a generic virtual call, which NativeAOT resolves
        // through its type loader the first time, and every sidecar process opens through here.
        var appliedVersions = new HashSet<int>();
        foreach (AppliedMigration record in applied)
        {
            appliedVersions.Add(record.Version);
        }

        var missing = new List<string>();
        foreach (Migration migration in Migrations)
        {
            if (!appliedVersions.Contains(migration.Version))
            {
                missing.Add(migration.ToString());
            }
        }

        if (missing.Count > 0)
        {
            throw new MigrationException(
                MigrationErrorKind.SchemaTooOld,
                $"The database {_database} lacks migrations {string.Join(", ", missing)} that this binary needs. {_howToMigrate}");
        }
    }

    /// <summary>Refuses an edited history or unknown migrations that are not all additive.</summary>
    /// <exception cref="MigrationException">The history is refused; nothing was changed.</exception>
    public void Validate(List<AppliedMigration> applied)
    {
        ValidateChecksums(applied);
        AppliedMigration[] breaking = applied.Where(a => Find(a.Version) is null && !a.Additive).ToArray();
        if (breaking.Length > 0)
        {
            string names = string.Join(", ", breaking.Select(static a => Label(a.Version, a.Name)));
            throw new MigrationException(
                MigrationErrorKind.UnknownMigrations,
                $"The database {_database} was migrated by a newer bot-bottle: {names} {(breaking.Length == 1 ? "is" : "are")} unknown to this binary (which knows up to {LatestVersion:D4}) and not additive. Upgrade this binary; nothing was changed.");
        }
    }

    /// <summary>Refuses a history whose applied migrations this binary has with other text.</summary>
    /// <exception cref="MigrationException">A checksum differs; nothing was changed.</exception>
    public void ValidateChecksums(List<AppliedMigration> applied)
    {
        var changed = new List<string>();
        foreach (AppliedMigration record in applied)
        {
            Migration? migration = Find(record.Version);
            if (migration is not null && migration.Checksum != record.Checksum)
            {
                changed.Add($"{migration} (recorded {record.Checksum}, this binary has {migration.Checksum})");
            }
        }

        if (changed.Count > 0)
        {
            throw new MigrationException(
                MigrationErrorKind.ChecksumMismatch,
                $"Applied migration{(changed.Count == 1 ? " was" : "s were")} changed after being applied: {string.Join("; ", changed)}. Restore the original migrations/NNNN_name.up.sql and put the change in a new migration; nothing was changed.");
        }
    }

    /// <summary>The target itself when it is 0 or a known version.</summary>
    /// <exception cref="MigrationException">The target is not a migration this binary knows.</exception>
    public int ResolveTarget(int target)
    {
        if (target == 0 || Find(target) is not null)
        {
            return target;
        }

        throw new MigrationException(
            MigrationErrorKind.UnknownTarget,
            $"Version {target} is not a migration this binary knows; choose 0 or one of: {string.Join(", ", Migrations.Select(static m => m.Version))}.");
    }

    public Migration? Find(int version)
    {
        foreach (Migration migration in Migrations)
        {
            if (migration.Version == version)
            {
                return migration;
            }
        }

        return null;
    }
}
