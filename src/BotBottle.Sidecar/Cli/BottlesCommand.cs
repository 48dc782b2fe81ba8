using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>bottles</c>: every bottle's sidecar state beside its pending proposals (host role).</summary>
internal static class BottlesCommand
{
    public static Command Build(CliContext cli)
    {
        var command = new Command("bottles", """
            List the bottles: whether each one's sidecar is running, stopped, or stale (registered as
            running but silent for three heartbeats: it was killed), when it was last seen, and how many
            proposals wait for you, with the age of the oldest. A bottle that only proposes (no serve)
            shows as unknown. --json prints {"bottles":[...]} for dashboards.
            """)
        {
            CommonOptions.Json,
        };
        command.Subcommands.Add(Grant(cli));
        command.Subcommands.Add(Revoke(cli));
        command.Subcommands.Add(Grants(cli));
        command.SetAction(parse => cli.Run(() =>
        {
            BottleStore store = HostDatabase.Open(parse).Bottles;
            DateTimeOffset now = DateTimeOffset.UtcNow;
            RowList<BottleStatus> bottles = store.List(now);
            if (parse.GetValue(CommonOptions.Json))
            {
                cli.WriteJson(new BottlesOutput(bottles, bottles.Unreadable), SidecarJson.Readable.BottlesOutput);
                return ExitCodes.Success;
            }

            cli.WriteList(
                json: false,
                bottles,
                SidecarJson.Readable.ListBottleStatus,
                "No bottles yet: serve registers its bottle when it starts.",
                ["BOTTLE", "STATE", "BACKEND", "LAST SEEN", "PENDING", "OLDEST PENDING"],
                b => [b.Slug, b.State, b.Backend, Ago(b.LastSeen, now), b.Pending.ToString(CultureInfo.InvariantCulture), Ago(b.OldestPendingAt, now)],
                keyName: "slug");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Argument<string> SlugArgument() => new("slug") { Description = "The bottle's slug." };

    private static Command Grant(CliContext cli)
    {
        Argument<string> slug = SlugArgument();
        var role = new Option<string>("--to") { Description = "The broker's PostgreSQL login role (a member of bot_bottle_broker).", Required = true, HelpName = "ROLE" };
        var command = new Command("grant", """
            Fleet mode: let the host broker logged in as ROLE serve the bottle SLUG (moving it from the
            broker that served it before). A broker serves only what was granted to it; PostgreSQL
            refuses everything else. Written to the audit log.
            """)
        {
            slug,
            role,
            CommonOptions.Json,
        };
        command.SetAction(parse => cli.Run(() => Audited(cli, parse, HostDatabase.Open(parse).Bottles.Grant(parse.GetValue(slug)!, parse.GetValue(role)!))));
        return command;
    }

    private static Command Revoke(CliContext cli)
    {
        Argument<string> slug = SlugArgument();
        var command = new Command("revoke", """
            Fleet mode: no broker serves the bottle SLUG any more (its proposals stay for you to answer).
            Written to the audit log.
            """)
        {
            slug,
            CommonOptions.Json,
        };
        command.SetAction(parse => cli.Run(() => Audited(cli, parse, HostDatabase.Open(parse).Bottles.Revoke(parse.GetValue(slug)!))));
        return command;
    }

    private static Command Grants(CliContext cli)
    {
        var command = new Command("grants", "Fleet mode: which broker role serves each bottle. --json prints the list.")
        {
            CommonOptions.Json,
        };
        command.SetAction(parse => cli.Run(() =>
        {
            cli.WriteList(
                parse.GetValue(CommonOptions.Json),
                HostDatabase.Open(parse).Bottles.ListGrants(),
                SidecarJson.Readable.ListBottleGrant,
                "No bottles are granted: 'bottles grant SLUG --to ROLE' lets a broker serve one (fleet mode only).",
                ["BOTTLE", "BROKER ROLE", "GRANTED AT"],
                g => [g.Slug, g.BrokerRole, g.GrantedAt]);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static int Audited(CliContext cli, ParseResult parse, Storage.Audit.AuditEntry entry)
    {
        if (parse.GetValue(CommonOptions.Json))
        {
            cli.WriteJson(entry, SidecarJson.Readable.AuditEntry);
        }
        else
        {
            cli.Output.WriteLine($"{entry.BottleSlug}: {AgentText.Visible(entry.OperatorNotes ?? string.Empty)} (audit entry {entry.Id.ToString(CultureInfo.InvariantCulture)})");
        }

        return ExitCodes.Success;
    }

    private static string Ago(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } time)
        {
            return "-";
        }

        TimeSpan age = now - time;
        return age switch
        {
            { TotalSeconds: < 1 } => "just now",
            { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds} s ago",
            { TotalHours: < 1 } => $"{(int)age.TotalMinutes} min ago",
            { TotalDays: < 1 } => $"{(int)age.TotalHours} h ago",
            _ => $"{(int)age.TotalDays} d ago",
        };
    }
}
