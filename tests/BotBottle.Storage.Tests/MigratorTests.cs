using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class MigratorTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    private static IReadOnlyList<Migration> Embedded => Migration.Embedded;

    private static Migration Extra(int version, string name, bool additive, string up, string down = "SELECT 1;")
        => new(version, name, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(up))), additive, up, down);

    private static IReadOnlyList<Migration> With(params Migration[] extra) => [.. Embedded, .. extra];

    /// <summary>The version a newer binary's next migration would have.</summary>
    private static int Next => Embedded[^1].Version + 1;

    private static string Label(string name) => $"{Next:D4}_{name}";

    [Fact]
    public void Embedded_migrations_are_the_repository_files_with_lf_checksums()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "migrations");
        string[] upFiles = Directory.GetFiles(directory, "*.up.sql").Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(upFiles.Length, Embedded.Count);
        foreach ((string file, Migration migration) in upFiles.Zip(Embedded))
        {
            string text = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal);
            Assert.Equal(Path.GetFileName(file), $"{migration.Version:D4}_{migration.Name}.up.sql");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), migration.Checksum);
            Assert.Equal(text.StartsWith("-- bot-bottle: additive\n", StringComparison.Ordinal), migration.Additive);
            Assert.Equal(text, migration.UpSql);
        }

        Assert.False(Embedded.Single(static m => m.Version == 1).Additive);
        Assert.True(Embedded.Single(static m => m.Version == 2).Additive);
        Assert.True(Embedded.Single(static m => m.Version == 3).Additive);
    }

    [Fact]
    public void MigrateUp_applies_every_migration_to_a_fresh_database()
    {
        BotBottleDatabase database = _temp.OpenHost(migrate: false);

        MigrationRun run = new Migrator(database).MigrateUp();

        Assert.Equal(0, run.FromVersion);
        Assert.Equal(Embedded[^1].Version, run.ToVersion);
        Assert.Equal(Embedded.Select(static m => m.Version), run.Steps.Select(static s => s.Version));
        Assert.Equal((long)Embedded[^1].Version, _temp.Scalar("PRAGMA user_version"));
        Assert.Equal((long)Embedded.Count, _temp.Scalar("SELECT count(*) FROM schema_migrations"));
        Assert.Equal(Embedded[0].Checksum, _temp.Scalar("SELECT checksum FROM schema_migrations WHERE version = 1"));
    }

    [Fact]
    public void MigrateUp_is_a_no_op_when_run_again()
    {
        BotBottleDatabase database = _temp.OpenHost();
        string schema = _temp.Schema();
        object? appliedAt = _temp.Scalar("SELECT applied_at FROM schema_migrations WHERE version = 1");

        MigrationRun run = new Migrator(database).MigrateUp();

        Assert.Empty(run.Steps);
        Assert.Equal(schema, _temp.Schema());
        Assert.Equal(appliedAt, _temp.Scalar("SELECT applied_at FROM schema_migrations WHERE version = 1"));
    }

    [Fact]
    public void MigrateUp_applies_each_migration_once_when_eight_processes_start_together()
    {
        const int ProcessCount = 8;
        var processes = new List<Process>();
        try
        {
            for (int i = 0; i < ProcessCount; i++)
            {
                processes.Add(TestProcess.Start("migrate", _temp.Path));
            }

            // Every process is up and has loaded the library before any of them touches the file.
            foreach (Process process in processes)
            {
                Assert.Equal("ready", process.StandardOutput.ReadLine());
            }

            foreach (Process process in processes)
            {
                process.StandardInput.WriteLine("go");
                process.StandardInput.Flush();
            }

            var applied = new List<int>();
            foreach (Process process in processes)
            {
                (int exitCode, string output, string error) = TestProcess.Finish(process, TimeSpan.FromSeconds(60));
                Assert.True(exitCode == 0, $"exit {exitCode}: {output} {error}");
                Assert.StartsWith("applied:", output, StringComparison.Ordinal);
                applied.AddRange(output["applied:".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }

            Assert.Equal(Embedded.Select(static m => m.Version), applied.Order());
            Assert.Equal((long)Embedded.Count, _temp.Scalar("SELECT count(*) FROM schema_migrations"));
            Assert.Equal((long)Embedded[^1].Version, _temp.Scalar("PRAGMA user_version"));
        }
        finally
        {
            foreach (Process process in processes)
            {
                process.Dispose();
            }
        }
    }

    [Fact]
    public void MigrateUp_refuses_an_applied_migration_whose_file_changed()
    {
        BotBottleDatabase database = _temp.OpenHost();
        Migration original = Embedded[0];
        var edited = new Migration(original.Version, original.Name, new string('f', 64), original.Additive, original.UpSql + "\n-- edited", original.DownSql);
        string schema = _temp.Schema();

        var error = Assert.Throws<MigrationException>(() => new Migrator(database, [edited, .. Embedded.Skip(1)]).MigrateUp());

        Assert.Equal(MigrationErrorKind.ChecksumMismatch, error.MigrationKind);
        Assert.Equal(StorageErrorKind.Schema, error.Kind);
        Assert.Contains("0001_supervise_queue", error.Message, StringComparison.Ordinal);
        Assert.Contains(original.Checksum, error.Message, StringComparison.Ordinal);
        Assert.Contains(new string('f', 64), error.Message, StringComparison.Ordinal);
        Assert.Contains("new migration", error.Message, StringComparison.Ordinal);
        Assert.Equal(schema, _temp.Schema());
    }

    [Fact]
    public void MigrateUp_accepts_a_newer_database_whose_unknown_migrations_are_additive()
    {
        BotBottleDatabase database = _temp.OpenHost();
        new Migrator(database, With(Extra(Next, "proposal_labels", additive: true, "-- bot-bottle: additive\nALTER TABLE supervise_proposals ADD COLUMN label TEXT;"))).MigrateUp();

        MigrationRun run = new Migrator(database).MigrateUp();
        BotBottleDatabase sidecar = BotBottleDatabase.OpenSidecar(_temp.Path);
        var queue = new QueueStore(sidecar);
        Proposal proposal = Proposal.Create("bottle-a", "pipelock-block", "x\n", "why");
        queue.WriteProposal(proposal);

        Assert.Empty(run.Steps);
        Assert.Equal(proposal, queue.ReadProposal(proposal.Id));
        MigrationStatus unknown = new Migrator(database).GetReport().Migrations.Single(static m => m.Version == Next);
        Assert.Equal(MigrationState.UnknownAdditive, unknown.State);
    }

    [Fact]
    public void MigrateUp_refuses_a_newer_database_with_an_unknown_breaking_migration()
    {
        BotBottleDatabase database = _temp.OpenHost();
        new Migrator(database, With(Extra(Next, "split_queue", additive: false, "CREATE TABLE supervise_queue_v2 (id TEXT);"))).MigrateUp();
        string schema = _temp.Schema();

        var error = Assert.Throws<MigrationException>(() => new Migrator(database).MigrateUp());
        var sidecarError = Assert.Throws<MigrationException>(() => BotBottleDatabase.OpenSidecar(_temp.Path));

        Assert.Equal(MigrationErrorKind.UnknownMigrations, error.MigrationKind);
        Assert.Contains(Label("split_queue"), error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade this binary", error.Message, StringComparison.Ordinal);
        Assert.Equal(MigrationErrorKind.UnknownMigrations, sidecarError.MigrationKind);
        Assert.Equal(schema, _temp.Schema());
    }

    [Fact]
    public void MigrateDown_then_up_returns_to_the_same_schema()
    {
        BotBottleDatabase database = _temp.OpenHost();
        string migrated = _temp.Schema();

        MigrationRun down = new Migrator(database).MigrateDown(0);
        string empty = _temp.Schema();
        new Migrator(database).MigrateUp();

        Assert.Equal(Embedded.Select(static m => m.Version).Reverse(), down.Steps.Select(static s => s.Version));
        Assert.DoesNotContain("supervise_", empty, StringComparison.Ordinal);
        Assert.Equal(migrated, _temp.Schema());
        Assert.Equal((long)Embedded[^1].Version, _temp.Scalar("PRAGMA user_version"));
    }

    [Fact]
    public void MigrateDown_to_a_version_reverts_only_newer_migrations()
    {
        BotBottleDatabase database = _temp.OpenHost();

        new Migrator(database).MigrateDown(1);

        Assert.Equal(1L, _temp.Scalar("PRAGMA user_version"));
        Assert.Equal(1L, _temp.Scalar("SELECT count(*) FROM schema_migrations"));
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'supervise_audit_entries'"));
        Assert.Equal(1L, _temp.Scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'supervise_proposals'"));
    }

    [Fact]
    public void MigrateDown_refuses_to_revert_a_migration_it_does_not_know()
    {
        BotBottleDatabase database = _temp.OpenHost();
        new Migrator(database, With(Extra(Next, "labels", additive: true, "-- bot-bottle: additive\nCREATE TABLE labels (id TEXT);"))).MigrateUp();

        var error = Assert.Throws<MigrationException>(() => new Migrator(database).MigrateDown(1));

        Assert.Equal(MigrationErrorKind.CannotRevertUnknown, error.MigrationKind);
        Assert.Contains(Label("labels"), error.Message, StringComparison.Ordinal);
        Assert.Equal((long)Next, _temp.Scalar("PRAGMA user_version"));
    }

    [Fact]
    public void MigrateUp_to_a_target_stops_there()
    {
        BotBottleDatabase database = _temp.OpenHost(migrate: false);

        MigrationRun run = new Migrator(database).MigrateUp(1);

        Assert.Equal([1], run.Steps.Select(static s => s.Version));
        Assert.Equal(1L, _temp.Scalar("PRAGMA user_version"));
    }

    [Fact]
    public void MigrateUp_throws_unknown_target_for_a_version_it_does_not_have()
    {
        BotBottleDatabase database = _temp.OpenHost(migrate: false);

        var error = Assert.Throws<MigrationException>(() => new Migrator(database).MigrateUp(99));

        Assert.Equal(MigrationErrorKind.UnknownTarget, error.MigrationKind);
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanUp_lists_pending_sql_and_applies_nothing()
    {
        BotBottleDatabase database = _temp.OpenHost(migrate: false);

        MigrationRun plan = new Migrator(database).PlanUp();

        Assert.Equal(Embedded.Select(static m => m.Version), plan.Steps.Select(static s => s.Version));
        Assert.Equal(Embedded[0].UpSql, plan.Steps[0].Sql);
        Assert.Equal(string.Empty, _temp.Schema());
        Assert.Equal(0L, _temp.Scalar("PRAGMA user_version"));
    }

    [Fact]
    public void MigrateUp_rolls_back_a_failing_migration_with_its_tracking_row_and_keeps_earlier_ones()
    {
        BotBottleDatabase database = _temp.OpenHost(migrate: false);
        Migration broken = Extra(Next, "broken", additive: false, "CREATE TABLE half_done (a TEXT);\nCREATE TABLE supervise_proposals (a TEXT);");

        var error = Assert.Throws<MigrationException>(() => new Migrator(database, With(broken)).MigrateUp());

        Assert.Equal(MigrationErrorKind.MigrationFailed, error.MigrationKind);
        Assert.Contains(Label("broken"), error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'"));
        Assert.Equal(0L, _temp.Scalar($"SELECT count(*) FROM schema_migrations WHERE version = {Next}"));
        Assert.Equal((long)Embedded.Count, _temp.Scalar("SELECT count(*) FROM schema_migrations"));
        Assert.Equal((long)Embedded[^1].Version, _temp.Scalar("PRAGMA user_version"));
    }

    [Fact]
    public void GetReport_shows_applied_pending_and_changed_migrations()
    {
        BotBottleDatabase database = _temp.OpenHost(migrate: false);
        new Migrator(database).MigrateUp(1);
        Migration first = Embedded[0];
        var edited = new Migration(1, first.Name, new string('0', 64), false, first.UpSql, first.DownSql);

        MigrationReport report = new Migrator(database, [edited, .. Embedded.Skip(1)]).GetReport();

        Assert.Equal(1, report.UserVersion);
        Assert.Equal(MigrationState.ChecksumMismatch, report.Migrations[0].State);
        Assert.Equal(first.Checksum, report.Migrations[0].RecordedChecksum);
        Assert.Equal(MigrationState.Pending, report.Migrations[1].State);
        Assert.Equal(MigrationState.Applied, new Migrator(database).GetReport().Migrations[0].State);
    }

    [Fact]
    public void OpenSidecar_refuses_a_database_missing_migrations_it_needs()
    {
        BotBottleDatabase host = _temp.OpenHost(migrate: false);
        new Migrator(host).MigrateUp(1);

        var error = Assert.Throws<MigrationException>(() => BotBottleDatabase.OpenSidecar(_temp.Path));

        Assert.Equal(MigrationErrorKind.SchemaTooOld, error.MigrationKind);
        Assert.Contains("0002_audit_log", error.Message, StringComparison.Ordinal);
        Assert.Contains("0003_proposal_current_file", error.Message, StringComparison.Ordinal);
        Assert.Contains("on the host", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MigrateUp_is_denied_to_the_sidecar_role()
    {
        _temp.OpenHost();
        BotBottleDatabase sidecar = BotBottleDatabase.OpenSidecar(_temp.Path);

        var error = Assert.Throws<StorageException>(() => new Migrator(sidecar).MigrateUp());

        Assert.Equal(StorageErrorKind.Denied, error.Kind);
    }
}
