using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Migrations;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>The PostgreSQL migrator against a real PostgreSQL 15 server (see <see cref="PostgresServer"/>).</summary>
public sealed class PostgresMigratorTests
{
    // The version after the last embedded one, for a migration from the future.
    private static int Next => Migration.EmbeddedPostgres[^1].Version + 1;

    [Fact]
    public void Embedded_postgres_migrations_are_the_sqlite_versions_names_and_markers()
    {
        Assert.Equal(
            Migration.Embedded.Select(static m => (m.Version, m.Name, m.Additive)),
            Migration.EmbeddedPostgres.Select(static m => (m.Version, m.Name, m.Additive)));
        Assert.NotEqual(Migration.Embedded[0].Checksum, Migration.EmbeddedPostgres[0].Checksum);
    }

    [Fact]
    public void MigrateUp_applies_every_migration_once_and_records_it()
    {
        using TempPostgresDatabase temp = PostgresServer.CreateDatabase();
        using PostgresDatabase database = temp.OpenOwner(migrate: false);
        var migrator = new PostgresMigrator(database);

        MigrationRun first = migrator.MigrateUp();
        MigrationRun second = migrator.MigrateUp();

        Assert.Equal(Migration.EmbeddedPostgres.Select(static m => m.Version), first.Steps.Select(static s => s.Version));
        Assert.Equal(0, first.FromVersion);
        Assert.Equal(migrator.LatestVersion, first.ToVersion);
        Assert.Empty(second.Steps);
        Assert.All(migrator.GetReport().Migrations, static m => Assert.Equal(MigrationState.Applied, m.State));
        Assert.Equal((long)Migration.EmbeddedPostgres.Count, PostgresServer.Scalar(temp.OwnerConnection, "SELECT count(*) FROM schema_migrations"));
        Assert.Equal(
            Migration.EmbeddedPostgres.Select(static m => m.Checksum),
            ((string[])PostgresServer.Scalar(temp.OwnerConnection, "SELECT array_agg(checksum ORDER BY version) FROM schema_migrations")!));
    }

    [Fact]
    public void MigrateDown_to_zero_leaves_only_the_history_table_and_up_works_again()
    {
        using TempPostgresDatabase temp = PostgresServer.CreateDatabase();
        using PostgresDatabase database = temp.OpenOwner();
        var migrator = new PostgresMigrator(database);

        MigrationRun down = migrator.MigrateDown(0);

        Assert.Equal(Migration.EmbeddedPostgres.Select(static m => m.Version).Reverse(), down.Steps.Select(static s => s.Version));
        Assert.Equal(
            "schema_migrations",
            PostgresServer.Scalar(temp.OwnerConnection, "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'"));
        Assert.Equal(0L, PostgresServer.Scalar(temp.OwnerConnection, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'bb\\_%' OR proname LIKE 'supervise\\_%'"));
        Assert.Equal(Migration.EmbeddedPostgres.Count, migrator.MigrateUp().Steps.Count);
    }

    [Fact]
    public void Concurrent_migrators_on_separate_connections_apply_each_migration_exactly_once()
    {
        using TempPostgresDatabase temp = PostgresServer.CreateDatabase();
        const int Migrators = 8;
        using var start = new Barrier(Migrators);
        MigrationRun[] runs = Enumerable.Range(0, Migrators)
            .Select(_ => Task.Run(() =>
            {
                // Each its own data source: its own server sessions, as separate hosts would be.
                using PostgresDatabase database = PostgresDatabase.Connect(temp.OwnerConnection);
                start.SignalAndWait();
                return new PostgresMigrator(database).MigrateUp();
            }))
            .ToArray()
            .Select(static t => t.GetAwaiter().GetResult())
            .ToArray();

        Assert.Equal(Migration.EmbeddedPostgres.Count, runs.Sum(static r => r.Steps.Count));
        Assert.Single(runs, static r => r.Steps.Count > 0);
        Assert.Equal((long)Migration.EmbeddedPostgres.Count, PostgresServer.Scalar(temp.OwnerConnection, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public void A_changed_applied_migration_is_refused_naming_both_checksums()
    {
        using TempPostgresDatabase temp = PostgresServer.CreateDatabase();
        using PostgresDatabase database = temp.OpenOwner();
        PostgresServer.Execute(temp.OwnerConnection, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3");

        MigrationException refused = Assert.Throws<MigrationException>(() => new PostgresMigrator(database).MigrateUp());
        Assert.Equal(MigrationErrorKind.ChecksumMismatch, refused.MigrationKind);
        Assert.Contains("0003_proposal_current_file (recorded edited, this binary has " + Migration.EmbeddedPostgres[2].Checksum + ")", refused.Message, StringComparison.Ordinal);
        Assert.Throws<MigrationException>(() => PostgresDatabase.Open(temp.OwnerConnection).Dispose());
    }

    [Fact]
    public void A_newer_additive_migration_is_tolerated_and_a_breaking_one_refused()
    {
        using TempPostgresDatabase temp = PostgresServer.CreateDatabase();
        using PostgresDatabase database = temp.OpenOwner();
        var newer = new List<Migration>(Migration.EmbeddedPostgres)
        {
            new(Next, "labels", "c10", additive: true, "-- bot-bottle: additive\nCREATE TABLE labels (name text);", "DROP TABLE labels;"),
        };
        new PostgresMigrator(database, newer).MigrateUp();

        new PostgresMigrator(database).EnsureCompatible();
        Assert.Empty(new PostgresMigrator(database).MigrateUp().Steps);

        PostgresServer.Execute(temp.OwnerConnection, $"UPDATE schema_migrations SET additive = 0 WHERE version = {Next}");
        MigrationException refused = Assert.Throws<MigrationException>(() => new PostgresMigrator(database).EnsureCompatible());
        Assert.Equal(MigrationErrorKind.UnknownMigrations, refused.MigrationKind);
        Assert.Contains($"{Next:D4}_labels", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_migration_rolls_back_with_its_tracking_row_and_keeps_the_earlier_ones()
    {
        using TempPostgresDatabase temp = PostgresServer.CreateDatabase();
        using PostgresDatabase database = temp.OpenOwner();
        var broken = new List<Migration>(Migration.EmbeddedPostgres)
        {
            new(Next, "fine", "c10", additive: true, "CREATE TABLE fine (x text);", "DROP TABLE fine;"),
            new(Next + 1, "broken", "c11", additive: true, "CREATE TABLE half (x text); SELECT no_such_function();", "DROP TABLE half;"),
        };

        MigrationException failed = Assert.Throws<MigrationException>(() => new PostgresMigrator(database, broken).MigrateUp());

        Assert.Equal(MigrationErrorKind.MigrationFailed, failed.MigrationKind);
        Assert.Contains($"{Next + 1:D4}_broken", failed.Message, StringComparison.Ordinal);
        Assert.Equal(Next, (int)PostgresServer.Scalar(temp.OwnerConnection, "SELECT max(version) FROM schema_migrations")!);
        Assert.Equal(false, PostgresServer.Scalar(temp.OwnerConnection, "SELECT to_regclass('half') IS NOT NULL"));
        Assert.Equal(true, PostgresServer.Scalar(temp.OwnerConnection, "SELECT to_regclass('fine') IS NOT NULL"));
    }

    [Fact]
    public void Opening_an_unmigrated_database_without_migrating_names_the_fix()
    {
        using TempPostgresDatabase temp = PostgresServer.CreateDatabase();

        MigrationException refused = Assert.Throws<MigrationException>(() => PostgresDatabase.Open(temp.OwnerConnection).Dispose());

        Assert.Equal(MigrationErrorKind.SchemaTooOld, refused.MigrationKind);
        Assert.Contains("db migrate", refused.Message, StringComparison.Ordinal);
        Assert.Contains("postgres://bb@127.0.0.1:", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://broker_a:s%40cret@db.example:6543/botbottle?SSL%20Mode=Require", "db.example", 6543, "broker_a", "s@cret", "botbottle")]
    [InlineData("postgresql://op@localhost/fleet", "localhost", 5432, "op", null, "fleet")]
    [InlineData("Host=10.0.0.5;Port=5433;Username=b;Database=d", "10.0.0.5", 5433, "b", null, "d")]
    public void ParseConnection_reads_urls_and_keyword_strings(string text, string host, int port, string user, string? password, string database)
    {
        Npgsql.NpgsqlConnectionStringBuilder settings = PostgresDatabase.ParseConnection(text);

        Assert.Equal((host, port, user, password, database), (settings.Host, settings.Port, settings.Username, settings.Password, settings.Database));
    }

    [Fact]
    public void ParseConnection_refuses_nonsense_with_an_example()
    {
        Errors.StorageException refused = Assert.Throws<Errors.StorageException>(() => PostgresDatabase.ParseConnection("Host=x;NoSuchKeyword=1"));

        Assert.Equal(Errors.StorageErrorKind.InvalidArgument, refused.Kind);
        Assert.Contains("postgres://", refused.Message, StringComparison.Ordinal);
    }
}

/// <summary>Every statement fleet mode runs, and the migrator's, compiled by a real PostgreSQL against a freshly migrated database.</summary>
public sealed class PostgresStatementTests : IDisposable
{
    private readonly TempPostgresDatabase _temp = PostgresServer.CreateDatabase();

    public PostgresStatementTests() => _temp.OpenOwner().Dispose();

    public static TheoryData<string> Names => new(Sql.SqlRegistry.AllPostgres.Select(static s => s.Name));

    public void Dispose() => _temp.Dispose();

    [Theory]
    [MemberData(nameof(Names))]
    public void Statement_compiles_on_postgres(string name)
    {
        Sql.SqlStatement statement = Sql.SqlRegistry.AllPostgres.Single(s => s.Name == name);
        Describe(statement.PostgresText);
    }

    [Fact]
    public void Migrator_statements_compile_on_postgres()
    {
        foreach (string text in PostgresMigrationSql.All)
        {
            Describe(text);
        }
    }

    [Fact]
    public void Describe_fails_for_a_statement_naming_a_missing_column()
    {
        Assert.Throws<Npgsql.PostgresException>(() => Describe("SELECT no_such_column FROM supervise_proposals WHERE id = @id"));
        Assert.Throws<Npgsql.PostgresException>(() => Describe("INSERT INTO supervise_proposals (no_such_column) VALUES (@value)"));
        Assert.Throws<Npgsql.PostgresException>(() => Describe("UPDATE supervise_responses SET no_such_column = 1 WHERE proposal_id = $1"));
    }

    [Fact]
    public void Shared_texts_use_dollar_only_to_name_parameters()
    {
        // Their PostgreSQL form turns every $ into @; a $ anywhere else would be corrupted.
        foreach (Sql.SqlStatement statement in Sql.SqlRegistry.AllPostgres.Where(static s => s.Postgres is null))
        {
            Assert.DoesNotMatch(@"\$(?![a-z_])", statement.Text);
        }
    }

    [Fact]
    public void Only_rowid_and_sequence_bookkeeping_stays_sqlite_only()
        => Assert.Equal(
            ["SelectMaxResponseRowId", "SelectNextAuditLink", "SelectPreviousAuditHash", "SelectResponsesAddedAfter", "UpdateAuditHashes"],
            new[] { Queue.QueueSql.All, Limits.LimitsSql.All, Audit.AuditSql.All, Bottles.BottleSql.All }.SelectMany(static a => a).Where(static s => !s.RunsOnPostgres).Select(static s => s.Name).Order());

    // The server parses, plans and describes the statement (parameters typed from context)
    // without running it: a renamed column or table fails here.
    private void Describe(string text)
    {
        using var connection = new Npgsql.NpgsqlConnection(_temp.OwnerConnection);
        connection.Open();
        using Npgsql.NpgsqlTransaction transaction = connection.BeginTransaction();
        using var command = new Npgsql.NpgsqlCommand(text, connection, transaction);
        foreach (System.Text.RegularExpressions.Match parameter in System.Text.RegularExpressions.Regex.Matches(text, @"(?<![:@])@([a-z_][a-z0-9_]*)|\$(\d+)"))
        {
            string parameterName = parameter.Groups[1].Success ? parameter.Groups[1].Value : string.Empty;
            if (parameterName.Length == 0 || !command.Parameters.Contains(parameterName))
            {
                command.Parameters.Add(new Npgsql.NpgsqlParameter { ParameterName = parameterName, Value = DBNull.Value });
            }
        }

        using Npgsql.NpgsqlDataReader reader = command.ExecuteReader(System.Data.CommandBehavior.SchemaOnly);
    }
}
