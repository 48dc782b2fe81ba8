using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;

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
        command.SetAction(parse => cli.Run(() =>
        {
            BottleStore store = HostDatabase.Open(parse).Bottles();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            IReadOnlyList<BottleStatus> bottles = store.List(now);
            if (parse.GetValue(CommonOptions.Json))
            {
                cli.WriteJson(new BottlesOutput(bottles), SidecarJson.Readable.BottlesOutput);
                return ExitCodes.Success;
            }

            cli.WriteList(
                json: false,
                bottles,
                SidecarJson.Readable.ListBottleStatus,
                "No bottles yet: serve registers its bottle when it starts.",
                ["BOTTLE", "STATE", "BACKEND", "LAST SEEN", "PENDING", "OLDEST PENDING"],
                b => [b.Slug, b.State, b.Backend, Ago(b.LastSeen, now), b.Pending.ToString(CultureInfo.InvariantCulture), Ago(b.OldestPendingAt, now)]);
            return ExitCodes.Success;
        }));
        return command;
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
