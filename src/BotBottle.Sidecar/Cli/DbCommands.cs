using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using BotBottle.Storage;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Migrations;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>db …</c>: schema status, migrations and checks (host role).</summary>
internal static class DbCommands
{
    public static Command Build(CliContext cli)
    {
        var db = new Command("db", "Inspect, migrate and check the database (host role).");
        db.Subcommands.Add(Status(cli));
        db.Subcommands.Add(Migrate(cli));
        db.Subcommands.Add(Down(cli));
        db.Subcommands.Add(Check(cli));
        return db;
    }

    private static Command Status(CliContext cli)
    {
        var command = new Command("status", "Show each migration: applied, pending, changed since applied, or unknown to this binary. Changes nothing.") { CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            MigrationReport report = Stores.WithSchema(HostDatabase.Location(parse), create: false, static migrator => migrator.GetReport());
            if (parse.GetValue(CommonOptions.Json))
            {
                cli.WriteJson(report, SidecarJson.Readable.MigrationReport);
                return ExitCodes.Success;
            }

            cli.Output.WriteLine($"Schema version (user_version): {report.UserVersion}");
            TableWriter.Write(
                cli.Output,
                ["VERSION", "NAME", "STATE", "APPLIED (UTC)"],
                report.Migrations.Select(static m => new[] { m.Version.ToString("D4", CultureInfo.InvariantCulture), m.Name, StateText(m.State), m.AppliedAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-" }));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Migrate(CliContext cli)
    {
        var to = new Option<int?>("--to") { Description = "Stop at this version (default: the newest this binary knows).", HelpName = "N" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan and its SQL; apply nothing." };
        var command = new Command("migrate", "Create the database if needed and apply pending migrations, each together with its tracking row.") { to, dryRun, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            string location = HostDatabase.Location(parse);
            if (!parse.GetValue(dryRun))
            {
                WriteRun(cli, parse, Stores.WithSchema(location, create: true, migrator => migrator.MigrateUp(parse.GetValue(to))), "applied", showSql: false);
                return ExitCodes.Success;
            }

            // Planning shows SQLite's SQL before anything is created; a server lists its pending migrations itself.
            if (Stores.IsFleet(location))
            {
                throw new UsageException("--dry-run plans SQLite migrations; for PostgreSQL, 'db status' lists what is pending.");
            }

            MigrationRun run = !System.IO.File.Exists(location)
                ? PlanForNewDatabase(parse.GetValue(to))
                : new Migrator(BotBottleDatabase.OpenHost(location, migrate: false, create: false)).PlanUp(parse.GetValue(to));
            WriteRun(cli, parse, run, "would apply", showSql: true);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Down(CliContext cli)
    {
        var to = new Option<int>("--to") { Description = "Revert every migration newer than this version (0 reverts all).", Required = true, HelpName = "N" };
        var command = new Command("down", "Revert migrations newest first with their .down.sql, down to --to.") { to, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            MigrationRun run = Stores.WithSchema(HostDatabase.Location(parse), create: false, migrator => migrator.MigrateDown(parse.GetValue(to)));
            WriteRun(cli, parse, run, "reverted", showSql: false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Check(CliContext cli)
    {
        var command = new Command("check", "Run SQLite's integrity check and validate the migration history; exit 0 only when both pass. Changes nothing.") { CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            BotBottleDatabase database = OpenExisting(parse);
            IReadOnlyList<string> integrity = database.CheckIntegrity();
            var problems = new List<string>();
            if (integrity.Count != 1 || integrity[0] != "ok")
            {
                problems.Add("integrity check failed: " + string.Join("; ", integrity.Take(10)));
            }

            var migrator = new Migrator(database);
            MigrationReport? report = null;
            try
            {
                migrator.EnsureCompatible();
            }
            catch (MigrationException exception)
            {
                problems.Add(exception.Message);
            }

            report = migrator.GetReport();
            bool ok = problems.Count == 0;
            if (parse.GetValue(CommonOptions.Json))
            {
                cli.WriteJson(new DbCheckOutput(ok, integrity, problems, report), SidecarJson.Readable.DbCheckOutput);
            }
            else
            {
                cli.Output.WriteLine($"integrity: {(integrity.Count == 1 && integrity[0] == "ok" ? "ok" : "FAILED")}");
                cli.Output.WriteLine($"migrations: {(problems.Count == 0 ? "ok" : "FAILED")} (schema version {report.UserVersion}, binary knows up to {migrator.LatestVersion})");
                foreach (string problem in problems)
                {
                    cli.Error.WriteLine("problem: " + problem);
                }
            }

            return ok ? ExitCodes.Success : integrity.Count == 1 && integrity[0] == "ok" ? ExitCodes.Schema : ExitCodes.Unavailable;
        }));
        return command;
    }

    private static BotBottleDatabase OpenExisting(ParseResult parse)
        => BotBottleDatabase.OpenHost(CommonOptions.HostDbPath(parse), migrate: false, create: false);

    /// <summary>A dry run for a database that does not exist yet: every migration up to the target, nothing created.</summary>
    private static MigrationRun PlanForNewDatabase(int? target)
    {
        int to = target ?? Migration.Embedded[^1].Version;
        if (to != 0 && !Migration.Embedded.Any(m => m.Version == to))
        {
            throw new UsageException($"--to {to} is not a migration this binary knows; choose 0 or one of: {string.Join(", ", Migration.Embedded.Select(static m => m.Version))}.");
        }

        List<MigrationStep> steps = Migration.Embedded.Where(m => m.Version <= to).Select(static m => new MigrationStep(m.Version, m.Name, "up", m.UpSql)).ToList();
        return new MigrationRun(0, to, steps);
    }

    private static void WriteRun(CliContext cli, ParseResult parse, MigrationRun run, string verb, bool showSql)
    {
        if (parse.GetValue(CommonOptions.Json))
        {
            cli.WriteJson(run, SidecarJson.Readable.MigrationRun);
            return;
        }

        if (run.Steps.Count == 0)
        {
            cli.Output.WriteLine($"Nothing to do: the database is at version {run.FromVersion}.");
            return;
        }

        foreach (MigrationStep step in run.Steps)
        {
            cli.Output.WriteLine($"{verb} {step.Version:D4}_{step.Name} ({step.Direction})");
            if (showSql)
            {
                cli.Output.WriteLine(step.Sql.TrimEnd());
                cli.Output.WriteLine();
            }
        }

        cli.Output.WriteLine($"version {run.FromVersion} -> {run.ToVersion}");
    }

    private static string StateText(MigrationState state) => state switch
    {
        MigrationState.Applied => "applied",
        MigrationState.Pending => "pending",
        MigrationState.ChecksumMismatch => "CHANGED since applied",
        MigrationState.UnknownAdditive => "unknown (additive, ok)",
        _ => "UNKNOWN (breaking)",
    };
}
