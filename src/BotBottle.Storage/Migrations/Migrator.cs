using System.Data.Common;
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
public sealed class Migrator : ISchemaMigrator
{
    private const string SavepointName = "migration";

    private readonly BotBottleDatabase _database;
    private readonly MigrationRules _rules;

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
        _rules = new MigrationRules(migrations, database.Path, "Run 'bot-bottle-sidecar db migrate' on the host (sidecars never migrate).");
        _database = database;
    }

    /// <summary>The newest version this binary knows.</summary>
    public int LatestVersion => _rules.LatestVersion;

    /// <summary>Applies every pending migration up to <paramref name="targetVersion"/> (default: the newest).</summary>
    /// <returns>What was applied; no steps when the database was already there.</returns>
    /// <exception cref="MigrationException">The history is refused, the target is unknown, or a migration failed.</exception>
    public MigrationRun MigrateUp(int? targetVersion = null)
    {
        RequireHost("migrate");
        int target = _rules.ResolveTarget(targetVersion ?? LatestVersion);

        (MigrationRun run, MigrationException? failure) = _database.Write((connection, transaction) =>
        {
            // Migration 0004 chains existing audit entries in SQL with the same hash the store uses.
            // Registered here, where only migrating code reaches it: no other connection needs it, and
            // an executable that never migrates is compiled without Microsoft.Data.Sqlite's function glue.
            connection.CreateFunction<string, long, string, string, string, string, string, string, string, string>(
                Audit.AuditChain.SqlFunctionName, Audit.AuditChain.Hash, isDeterministic: true);
            SqlRegistry.Execute(connection, transaction, MigrationSql.CreateMigrationsTable);
            List<AppliedMigration> applied = ReadApplied(connection, transaction);
            _rules.Validate(applied);

            var appliedVersions = new HashSet<int>(applied.Select(static a => a.Version));
            return RunSteps(connection, transaction, appliedVersions, _rules.Pending(applied, target), up: true);
        });

        return failure is null ? run : throw failure;
    }

    /// <summary>What <see cref="MigrateUp"/> would apply, with its SQL; changes nothing.</summary>
    /// <exception cref="MigrationException">The history is refused or the target is unknown.</exception>
    public MigrationRun PlanUp(int? targetVersion = null)
    {
        int target = _rules.ResolveTarget(targetVersion ?? LatestVersion);
        List<AppliedMigration> applied = _database.Read(connection => ReadAppliedIfTracked(connection));
        _rules.Validate(applied);
        return MigrationRun.Plan(applied, _rules.Pending(applied, target));
    }

    /// <summary>Reverts every applied migration newer than <paramref name="targetVersion"/>, newest first.</summary>
    /// <param name="targetVersion">The version to end at; 0 reverts everything.</param>
    /// <exception cref="MigrationException">The target is unknown, the history is refused, or a down script failed.</exception>
    public MigrationRun MigrateDown(int targetVersion)
    {
        RequireHost("revert migrations on");
        int target = _rules.ResolveTarget(targetVersion);

        (MigrationRun run, MigrationException? failure) = _database.Write((connection, transaction) =>
        {
            SqlRegistry.Execute(connection, transaction, MigrationSql.CreateMigrationsTable);
            List<AppliedMigration> applied = ReadApplied(connection, transaction);
            _rules.ValidateChecksums(applied);

            var appliedVersions = new HashSet<int>(applied.Select(static a => a.Version));
            return RunSteps(connection, transaction, appliedVersions, _rules.ToRevert(applied, target), up: false);
        });

        return failure is null ? run : throw failure;
    }

    /// <summary>Compares the database's history with this binary's migrations; changes nothing.</summary>
    public MigrationReport GetReport()
    {
        (List<AppliedMigration> applied, int userVersion) = _database.Read(connection =>
            (ReadAppliedIfTracked(connection), SqlRegistry.Scalar<int>(connection, null, MigrationSql.SelectUserVersion)));

        return _rules.Report(applied, userVersion);
    }

    /// <summary>
    /// Refuses a database this binary cannot safely use without migrating it: an edited or unknown
    /// breaking history, or migrations this binary needs that are not applied yet.
    /// </summary>
    /// <exception cref="MigrationException">The database is not usable as it is.</exception>
    public void EnsureCompatible()
    {
        _rules.EnsureCompatible(_database.Read(connection => ReadAppliedIfTracked(connection)));
    }

    /// <summary>
    /// Applies (or reverts) each migration of <paramref name="order"/> in its own savepoint: its
    /// script, its tracking row, and <c>user_version</c> commit together. The first failure stops the
    /// run; the migrations before it stay, the failed one leaves no trace.
    /// </summary>
    private static (MigrationRun Run, MigrationException? Failure) RunSteps(
        SqliteConnection connection, SqliteTransaction transaction, HashSet<int> appliedVersions, IReadOnlyList<Migration> order, bool up)
    {
        int from = MigrationRules.NewestOf(appliedVersions);
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
                    using DbCommand insert = SqlRegistry.Command(connection, transaction, MigrationSql.InsertAppliedMigration);
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
                    using DbCommand delete = SqlRegistry.Command(connection, transaction, MigrationSql.DeleteAppliedMigration);
                    delete.Bind("$version", migration.Version).ExecuteNonQuery();
                    appliedVersions.Remove(migration.Version);
                }

                SqlRegistry.Execute(connection, transaction, MigrationSql.SetUserVersion(MigrationRules.NewestOf(appliedVersions)));
            });

            if (error is not null)
            {
                return (new MigrationRun(from, MigrationRules.NewestOf(appliedVersions), steps), error);
            }

            steps.Add(new MigrationStep(migration.Version, migration.Name, up ? "up" : "down", sql));
        }

        return (new MigrationRun(from, MigrationRules.NewestOf(appliedVersions), steps), null);
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
        using DbCommand command = SqlRegistry.Command(connection, transaction, MigrationSql.SelectAppliedMigrations);
        using DbDataReader reader = command.ExecuteReader();
        return AppliedMigrationRowMapper.Instance.ReadAll(reader);
    }

    private static List<AppliedMigration> ReadAppliedIfTracked(SqliteConnection connection)
        => SqlRegistry.Scalar<long>(connection, null, MigrationSql.MigrationsTableExists) == 0
            ? []
            : ReadApplied(connection, null);

    private void RequireHost(string action)
    {
        if (_database.Role != DatabaseRole.Host)
        {
            throw new StorageException(StorageErrorKind.Denied, $"A sidecar may not {action} the database; run 'bot-bottle-sidecar db migrate' on the host.");
        }
    }
}
