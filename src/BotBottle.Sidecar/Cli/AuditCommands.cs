using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>audit …</c>: read the audit log (host role).</summary>
internal static class AuditCommands
{
    public static Command Build(CliContext cli)
    {
        var audit = new Command("audit", "Read the audit log of operator decisions (host role).");
        var slug = new Option<string?>("--slug") { Description = "Only this bottle's entries." };
        var component = new Option<string?>("--component") { Description = "Only this component's entries (cred-proxy-block, pipelock-block, capability-block, git-gate, …)." };
        var since = new Option<string?>("--since") { Description = "Only entries at or after this ISO-8601 time (2026-11-01 or 2026-11-01T12:00:00Z).", HelpName = "TIME" };
        var until = new Option<string?>("--until") { Description = "Only entries before this ISO-8601 time.", HelpName = "TIME" };
        var limit = new Option<int?>("--limit") { Description = "At most this many entries, oldest first." };
        var list = new Command("list", "List audit entries, oldest first.") { slug, component, since, until, limit, CommonOptions.Json };
        list.SetAction(parse => cli.Run(() =>
        {
            var query = new AuditQuery(parse.GetValue(slug), parse.GetValue(component), ParseTime(parse.GetValue(since), "--since"), ParseTime(parse.GetValue(until), "--until"), parse.GetValue(limit));
            cli.WriteList(
                parse.GetValue(CommonOptions.Json),
                HostDatabase.Open(parse).Audit.ReadAuditEntries(query),
                SidecarJson.Readable.ListAuditEntry,
                "No audit entries.",
                ["ID", "TIME (UTC)", "BOTTLE", "COMPONENT", "ACTION", "NOTES"],
                static e => [e.Id.ToString(CultureInfo.InvariantCulture), e.Timestamp.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.BottleSlug, e.Component, e.OperatorAction, e.OperatorNotes],
                keyName: "id");
            return ExitCodes.Success;
        }));
        audit.Subcommands.Add(list);

        var verify = new Command("verify", "Walk the audit log's hash chain and report the first broken link: an edited, deleted, inserted or reordered entry. Exit 0 when intact, 12 when broken.") { CommonOptions.Json };
        verify.SetAction(parse => cli.Run(() =>
        {
            AuditChainReport report = HostDatabase.Open(parse, create: false).Audit.VerifyChain();
            if (parse.GetValue(CommonOptions.Json))
            {
                cli.WriteJson(report, SidecarJson.Readable.AuditChainReport);
            }
            else if (report.Ok)
            {
                cli.Output.WriteLine($"audit chain intact: {report.Checked} entries verified.");
            }
            else
            {
                cli.Error.WriteLine($"audit chain BROKEN at entry {report.FirstBrokenId}: {report.Problem} ({report.Checked} entries before it verified)");
            }

            return report.Ok ? ExitCodes.Success : ExitCodes.AuditBroken;
        }));
        audit.Subcommands.Add(verify);
        return audit;
    }

    private static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value)
            ? value
            : throw new UsageException($"{option}: '{text}' is not an ISO-8601 time such as 2026-11-01 or 2026-11-01T12:00:00Z.");
    }
}
