using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using BotBottle.Storage.Database;
using BotBottle.Storage.Mapping;
using Npgsql;

namespace BotBottle.Storage.Migrations;

/// <summary>
/// Applies and reverts the embedded PostgreSQL migrations (<c>migrations/postgres/</c>) under the
/// same rules as <see cref="Migrator"/>. A run is one transaction that first takes a transaction
/// advisory lock, so migrators on any number of hosts queue on it; the one that waited then reads
/// <c>schema_migrations</c> and sees what the winner applied. PostgreSQL's DDL is transactional:
/// each migration and its tracking row commit together inside a savepoint, and a failed one leaves
/// no trace.
/// </summary>
public sealed class PostgresMigrator : ISchemaMigrator
{
    /// <summary>The advisory lock key every bot-bottle migrator takes ("bbmigra" in ASCII).</summary>
    public const long AdvisoryLockKey = 27692769776988769;

    private const string SavepointName = "migration";

    private readonly PostgresDatabase _database;
    private readonly MigrationRules _rules;

    /// <summary>A migrator for the PostgreSQL migrations embedded in this binary.</summary>
    public PostgresMigrator(PostgresDatabase database)
        : this(database, Migration.EmbeddedPostgres)
    {
    }

    /// <summary>A migrator for an explicit list, oldest first (tests simulate other binaries with it).</summary>
    /// <exception cref="ArgumentException">Versions are not positive and strictly increasing.</exception>
    public PostgresMigrator(PostgresDatabase database, IReadOnlyList<Migration> migrations)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _rules = new MigrationRules(migrations, database.Description, "Run 'db migrate --db postgres://OWNER@…' as the database's owner (host brokers and operators never migrate).");
    }

    /// <summary>The newest version this binary knows.</summary>
    public int LatestVersion => _rules.LatestVersion;

    /// <summary>Applies every pending migration up to <paramref name="targetVersion"/> (default: the newest).</summary>
    /// <returns>What was applied; no steps when the database was already there.</returns>
    /// <exception cref="MigrationException">The history is refused, the target is unknown, or a migration failed.</exception>
    public MigrationRun MigrateUp(int? targetVersion = null)
    {
        int target = _rules.ResolveTarget(targetVersion ?? LatestVersion);
        (MigrationRun run, MigrationException? failure) = _database.Write((connection, transaction) =>
        {
            List<AppliedMigration> applied = LockAndReadApplied(connection, transaction);
            _rules.Validate(applied);
            return RunSteps(connection, transaction, applied, _rules.Pending(applied, target), up: true);
        });

        return failure is null ? run : throw failure;
    }

    /// <summary>Reverts every applied migration newer than <paramref name="targetVersion"/>, newest first.</summary>
    /// <param name="targetVersion">The version to end at; 0 reverts everything.</param>
    /// <exception cref="MigrationException">The target is unknown, the history is refused, or a down script failed.</exception>
    public MigrationRun MigrateDown(int targetVersion)
    {
        int target = _rules.ResolveTarget(targetVersion);
        (MigrationRun run, MigrationException? failure) = _database.Write((connection, transaction) =>
        {
            List<AppliedMigration> applied = LockAndReadApplied(connection, transaction);
            _rules.ValidateChecksums(applied);
            return RunSteps(connection, transaction, applied, _rules.ToRevert(applied, target), up: false);
        });

        return failure is null ? run : throw failure;
    }

    /// <summary>Compares the database's history with this binary's migrations; changes nothing.</summary>
    public MigrationReport GetReport()
    {
        List<AppliedMigration> applied = _database.Read(static connection => ReadAppliedIfTracked(connection));
        return _rules.Report(applied, MigrationRules.NewestOf(applied.Select(static a => a.Version)));
    }

    /// <summary>Refuses a database this binary cannot use without migrating it (see <see cref="Migrator.EnsureCompatible"/>).</summary>
    /// <exception cref="MigrationException">The database is not usable as it is.</exception>
    public void EnsureCompatible() => _rules.EnsureCompatible(_database.Read(static connection => ReadAppliedIfTracked(connection)));

    private static List<AppliedMigration> LockAndReadApplied(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using (NpgsqlCommand lockCommand = new(PostgresMigrationSql.TakeMigrationLock, connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = AdvisoryLockKey });
            lockCommand.ExecuteNonQuery();
        }

        using (NpgsqlCommand create = new(PostgresMigrationSql.CreateMigrationsTable, connection, transaction))
        {
            create.ExecuteNonQuery();
        }

        return ReadApplied(connection, transaction);
    }

    private static List<AppliedMigration> ReadApplied(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        using NpgsqlCommand command = new(PostgresMigrationSql.SelectAppliedMigrations, connection, transaction);
        using NpgsqlDataReader reader = command.ExecuteReader();
        return AppliedMigrationRowMapper.Instance.ReadAll(reader);
    }

    private static List<AppliedMigration> ReadAppliedIfTracked(NpgsqlConnection connection)
    {
        using NpgsqlCommand exists = new(PostgresMigrationSql.MigrationsTableExists, connection);
        return exists.ExecuteScalar() is true ? ReadApplied(connection, null) : [];
    }

    private static (MigrationRun Run, MigrationException? Failure) RunSteps(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<AppliedMigration> applied, IReadOnlyList<Migration> order, bool up)
    {
        var versions = new HashSet<int>(applied.Select(static a => a.Version));
        int from = MigrationRules.NewestOf(versions);
        var steps = new List<MigrationStep>();
        foreach (Migration migration in order)
        {
            string sql = up ? migration.UpSql : migration.DownSql;
            transaction.Save(SavepointName);
            try
            {
                long started = Stopwatch.GetTimestamp();
                if (sql.Trim().Length > 0)
                {
                    // Migration files are the one place SQL is not a listed statement: they are the schema.
                    using NpgsqlCommand script = new(sql, connection, transaction);
                    script.ExecuteNonQuery();
                }

                using NpgsqlCommand track = new(up ? PostgresMigrationSql.InsertAppliedMigration : PostgresMigrationSql.DeleteAppliedMigration, connection, transaction);
                track.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
                if (up)
                {
                    track.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
                    track.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Checksum });
                    track.Parameters.Add(new NpgsqlParameter<long> { TypedValue = SqliteValues.FormatBoolean(migration.Additive) });
                    track.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SqliteValues.FormatTimestamp(DateTimeOffset.UtcNow) });
                    track.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds });
                }

                track.ExecuteNonQuery();
                transaction.Release(SavepointName);
            }
            catch (PostgresException exception)
            {
                transaction.Rollback(SavepointName);
                var failure = new MigrationException(
                    MigrationErrorKind.MigrationFailed,
                    $"Migration {migration} could not be {(up ? "applied" : "reverted")}: {exception.MessageText} (SQLSTATE {exception.SqlState}). It was rolled back together with its tracking row; earlier migrations of this run are kept. Fix the SQL in a new migration and run again.",
                    exception);
                return (new MigrationRun(from, MigrationRules.NewestOf(versions), steps), failure);
            }

            if (up)
            {
                versions.Add(migration.Version);
            }
            else
            {
                versions.Remove(migration.Version);
            }

            steps.Add(new MigrationStep(migration.Version, migration.Name, up ? "up" : "down", sql));
        }

        return (new MigrationRun(from, MigrationRules.NewestOf(versions), steps), null);
    }
}
