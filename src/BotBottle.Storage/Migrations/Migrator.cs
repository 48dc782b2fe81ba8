using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Migrations;

/// <summary>
/// Applies and reverts the embedded migrations. A run takes one <c>BEGIN IMMEDIATE</c> lock,
/// reads <c>schema_migrations</c> under it (so a process that waited sees what the winner
/// applied), refuses an edited or unknown breaking history, then applies each migration together
/// with its tracking row and <c>PRAGMA user_version</c> inside a savepoint. Any number of processes
/// may run it at once: each migration is applied exactly once.
/// </summary>
public sealed class Migrator
{
    private const string SavepointName = "migration";

    private readonly BotBottleDatabase _database;
    private readonly IReadOnlyList<Migration> _migrations;

    /// <summary>A migrator for the migrations embedded in this binary.</summary>
    public Migrator(BotBottleDatabase database)
        : this(database, Migration.Embedded)
    {
    }

    /// <summary>A migrator for an explicit list, oldest first (tests simulate other binaries with it).</summary>
    /// <exception cref="ArgumentException">Versions are not positive and strictly increasing.</exception>
    public Migrator(BotBottleDatabase database, IReadOnlyList<Migration> migrations)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(migrations);
        for (int i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version <= 0 || (i > 0 && migrations[i].Version <= migrations[i - 1].Version))
            {
                throw new ArgumentException("Migration versions must be positive and strictly increasing.", nameof(migrations));
            }
        }

        _database = database;
        _migrations = migrations;
    }

    /// <summary>The newest version this binary knows.</summary>
    public int LatestVersion => _migrations.Count == 0 ? 0 : _migrations[^1].Version;

    /// <summary>Applies every pending migration up to <paramref name="targetVersion"/> (default: the newest).</summary>
    /// <returns>What was applied; no steps when the database was already there.</returns>
    /// <exception cref="MigrationException">The history is refused, the target is unknown, or a migration failed.</exception>
    public MigrationRun MigrateUp(int? targetVersion = null)
    {
        RequireHost("migrate");
        int target = ResolveTarget(targetVersion ?? LatestVersion);

        (MigrationRun run, MigrationException? failure) = _database.Write((connection, transaction) =>
        {
            SqlRegistry.Execute(connection, transaction, MigrationSql.CreateMigrationsTable);
            List<AppliedMigration> applied = ReadApplied(connection, transaction);
            Validate(applied);

            var appliedVersions = new HashSet<int>(applied.Select(static a => a.Version));
            List<Migration> pending = _migrations.Where(m => m.Version <= target && !appliedVersions.Contains(m.Version)).ToList();
            return RunSteps(connection, transaction, appliedVersions, pending, up: true);
        });

        return failure is null ? run : throw failure;
    }

    /// <summary>What <see cref="MigrateUp"/> would apply, with its SQL; changes nothing.</summary>
    /// <exception cref="MigrationException">The history is refused or the target is unknown.</exception>
    public MigrationRun PlanUp(int? targetVersion = null)
    {
        int target = ResolveTarget(targetVersion ?? LatestVersion);
        List<AppliedMigration> applied = _database.Read(connection => ReadAppliedIfTracked(connection));
        Validate(applied);
        var appliedVersions = new HashSet<int>(applied.Select(static a => a.Version));
        int from = NewestOf(appliedVersions);
        List<MigrationStep> steps = _migrations
            .Where(m => m.Version <= target && !appliedVersions.Contains(m.Version))
            .Select(static m => new MigrationStep(m.Version, m.Name, "up", m.UpSql))
            .ToList();
        int to = NewestOf(appliedVersions.Concat(steps.Select(static s => s.Version)));
        return new MigrationRun(from, to, steps);
    }

    /// <summary>Reverts every applied migration newer than <paramref name="targetVersion"/>, newest first.</summary>
    /// <param name="targetVersion">The version to end at; 0 reverts everything.</param>
    /// <exception cref="MigrationException">The target is unknown, the history is refused, or a down script failed.</exception>
    public MigrationRun MigrateDown(int targetVersion)
    {
        RequireHost("revert migrations on");
        int target = ResolveTarget(targetVersion);

        (MigrationRun run, MigrationException? failure) = _database.Write((connection, transaction) =>
        {
            SqlRegistry.Execute(connection, transaction, MigrationSql.CreateMigrationsTable);
            List<AppliedMigration> applied = ReadApplied(connection, transaction);
            ValidateChecksums(applied);

            List<AppliedMigration> toRevert = applied.Where(a => a.Version > target).OrderByDescending(static a => a.Version).ToList();
            string[] unknown = toRevert.Where(a => Find(a.Version) is null).Select(static a => Label(a.Version, a.Name)).ToArray();
            if (unknown.Length > 0)
            {
                throw new MigrationException(
                    MigrationErrorKind.CannotRevertUnknown,
                    $"Cannot revert {string.Join(", ", unknown)}: this binary does not have their down SQL. Run 'db down' with the newer bot-bottle that applied them.");
            }

            var appliedVersions = new HashSet<int>(applied.Select(static a => a.Version));
            return RunSteps(connection, transaction, appliedVersions, toRevert.Select(r => Find(r.Version)!).ToList(), up: false);
        });

        return failure is null ? run : throw failure;
    }

    /// <summary>Compares the database's history with this binary's migrations; changes nothing.</summary>
    public MigrationReport GetReport()
    {
        (List<AppliedMigration> applied, int userVersion) = _database.Read(connection =>
            (ReadAppliedIfTracked(connection), SqlRegistry.Scalar<int>(connection, null, MigrationSql.SelectUserVersion)));

        var byVersion = applied.ToDictionary(static a => a.Version);
        var lines = new List<MigrationStatus>();
        foreach (Migration migration in _migrations)
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

    /// <summary>
    /// Refuses a database this binary cannot safely use without migrating it: an edited or unknown
    /// breaking history, or migrations this binary needs that are not applied yet.
    /// </summary>
    /// <exception cref="MigrationException">The database is not usable as it is.</exception>
    public void EnsureCompatible()
    {
        List<AppliedMigration> applied = _database.Read(connection => ReadAppliedIfTracked(connection));
        Validate(applied);
        var appliedVersions = new HashSet<int>(applied.Select(static a => a.Version));
        string[] missing = _migrations.Where(m => !appliedVersions.Contains(m.Version)).Select(static m => m.ToString()).ToArray();
        if (missing.Length > 0)
        {
            throw new MigrationException(
                MigrationErrorKind.SchemaTooOld,
                $"The database {_database.Path} lacks migrations {string.Join(", ", missing)} that this binary needs. Run 'bot-bottle-sidecar db migrate' on the host (sidecars never migrate).");
        }
    }

    /// <summary>
    /// Applies (or reverts) each migration of <paramref name="order"/> in its own savepoint: its
    /// script, its tracking row, and <c>user_version</c> commit together. The first failure stops the
    /// run; the migrations before it stay, the failed one leaves no trace.
    /// </summary>
    private static (MigrationRun Run, MigrationException? Failure) RunSteps(
        SqliteConnection connection, SqliteTransaction transaction, HashSet<int> appliedVersions, IReadOnlyList<Migration> order, bool up)
    {
        int from = NewestOf(appliedVersions);
        var steps = new List<MigrationStep>();
        foreach (Migration migration in order)
        {
            string sql = up ? migration.UpSql : migration.DownSql;
            MigrationException? error = InSavepoint(transaction, migration, up ? "applied" : "reverted", () =>
            {
                long started = Stopwatch.GetTimestamp();
                ExecuteScript(connection, transaction, sql);
                if (up)
                {
                    using SqliteCommand insert = SqlRegistry.Command(connection, transaction, MigrationSql.InsertAppliedMigration);
                    insert.Bind("$version", migration.Version)
                        .Bind("$name", migration.Name)
                        .Bind("$checksum", migration.Checksum)
                        .Bind("$additive", SqliteValues.FormatBoolean(migration.Additive))
                        .Bind("$applied_at", SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow))
                        .Bind("$execution_ms", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)
                        .ExecuteNonQuery();
                    appliedVersions.Add(migration.Version);
                }
                else
                {
                    using SqliteCommand delete = SqlRegistry.Command(connection, transaction, MigrationSql.DeleteAppliedMigration);
                    delete.Bind("$version", migration.Version).ExecuteNonQuery();
                    appliedVersions.Remove(migration.Version);
                }

                SqlRegistry.Execute(connection, transaction, MigrationSql.SetUserVersion(NewestOf(appliedVersions)));
            });

            if (error is not null)
            {
                return (new MigrationRun(from, NewestOf(appliedVersions), steps), error);
            }

            steps.Add(new MigrationStep(migration.Version, migration.Name, up ? "up" : "down", sql));
        }

        return (new MigrationRun(from, NewestOf(appliedVersions), steps), null);
    }

    private static void ExecuteScript(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        // Migration files are the one place SQL is not a registered statement: they are the schema.
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static MigrationException? InSavepoint(SqliteTransaction transaction, Migration migration, string verb, Action work)
    {
        transaction.Save(SavepointName);
        try
        {
            work();
            transaction.Release(SavepointName);
            return null;
        }
        catch (SqliteException exception)
        {
            transaction.Rollback(SavepointName);
            transaction.Release(SavepointName);
            return new MigrationException(
                MigrationErrorKind.MigrationFailed,
                $"Migration {migration} could not be {verb}: {exception.Message}. It was rolled back together with its tracking row; earlier migrations of this run are kept. Fix the SQL in a new migration and run again.",
                exception);
        }
    }

    private static List<AppliedMigration> ReadApplied(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using SqliteCommand command = SqlRegistry.Command(connection, transaction, MigrationSql.SelectAppliedMigrations);
        using SqliteDataReader reader = command.ExecuteReader();
        return AppliedMigrationRowMapper.Instance.ReadAll(reader);
    }

    private static List<AppliedMigration> ReadAppliedIfTracked(SqliteConnection connection)
        => SqlRegistry.Scalar<long>(connection, null, MigrationSql.MigrationsTableExists) == 0
            ? []
            : ReadApplied(connection, null);

    private static int NewestOf(IEnumerable<int> versions) => versions.DefaultIfEmpty(0).Max();

    private static string Label(int version, string name) => $"{version:D4}_{name}";

    private void Validate(List<AppliedMigration> applied)
    {
        ValidateChecksums(applied);
        AppliedMigration[] breaking = applied.Where(a => Find(a.Version) is null && !a.Additive).ToArray();
        if (breaking.Length > 0)
        {
            string names = string.Join(", ", breaking.Select(static a => Label(a.Version, a.Name)));
            throw new MigrationException(
                MigrationErrorKind.UnknownMigrations,
                $"The database {_database.Path} was migrated by a newer bot-bottle: {names} {(breaking.Length == 1 ? "is" : "are")} unknown to this binary (which knows up to {LatestVersion:D4}) and not additive. Upgrade this binary; nothing was changed.");
        }
    }

    private void ValidateChecksums(List<AppliedMigration> applied)
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

    private Migration? Find(int version)
    {
        foreach (Migration migration in _migrations)
        {
            if (migration.Version == version)
            {
                return migration;
            }
        }

        return null;
    }

    private int ResolveTarget(int target)
    {
        if (target == 0 || Find(target) is not null)
        {
            return target;
        }

        throw new MigrationException(
            MigrationErrorKind.UnknownTarget,
            $"Version {target} is not a migration this binary knows; choose 0 or one of: {string.Join(", ", _migrations.Select(static m => m.Version))}.");
    }

    private void RequireHost(string action)
    {
        if (_database.Role != DatabaseRole.Host)
        {
            throw new StorageException(StorageErrorKind.Denied, $"A sidecar may not {action} the database; run 'bot-bottle-sidecar db migrate' on the host.");
        }
    }
}
