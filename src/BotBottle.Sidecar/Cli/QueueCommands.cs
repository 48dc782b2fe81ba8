using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>queue …</c>: the operator's view of the supervise queue (host role).</summary>
internal static class QueueCommands
{
    public static Command Build(CliContext cli)
    {
        var queue = new Command("queue", "List, inspect and answer the agents' proposals (host role). Each answer writes the response and an audit entry together.");
        queue.Options.Add(TerminalStyle.NoColor);
        queue.Subcommands.Add(Pending(cli));
        queue.Subcommands.Add(Watch(cli));
        queue.Subcommands.Add(Show(cli));
        queue.Subcommands.Add(Approve(cli));
        queue.Subcommands.Add(Modify(cli));
        queue.Subcommands.Add(Reject(cli));
        queue.Subcommands.Add(QueueReview.Build(cli));
        return queue;
    }

    private static Argument<string> IdArgument() => new("id") { Description = "The proposal id, as 'queue pending' shows it." };

    private static Option<string> NotesOption(string description, bool required = false) => new("--notes")
    {
        Description = description,
        Required = required,
        DefaultValueFactory = static _ => string.Empty,
    };

    private static Command Pending(CliContext cli)
    {
        var slug = new Option<string?>("--slug") { Description = "Only this bottle's proposals (default: every bottle)." };
        var command = new Command("pending", "List proposals waiting for a decision, oldest first.") { slug, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            var queue = HostDatabase.Open(parse).Queue;
            cli.WriteList(
                parse.GetValue(CommonOptions.Json),
                queue.ListPendingProposals(parse.GetValue(slug)),
                SidecarJson.Readable.ListProposal,
                "No pending proposals.",
                ["ID", "BOTTLE", "TOOL", "ARRIVED (UTC)", "JUSTIFICATION"],
                static p => [p.Id, p.BottleSlug, p.Tool, p.ArrivalTimestamp.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), p.Justification],
                keyName: "id");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Watch(CliContext cli)
    {
        var command = new Command("watch", """
            Print the pending proposals, then every change as it happens: proposed, answered,
            archived (its sidecar consumed the answer), withdrawn (its agent took it back unanswered).
            Woken by the database's change notifications, not a polling loop. In a terminal it keeps a
            live table (ages ticking, the newest arrival highlighted); otherwise it prints one line per
            change, and with --json one object per line ({"event","id","slug","tool","at","status"})
            for dashboards and scripts. Ctrl-C (or SIGTERM) ends it with exit 0; if the database
            becomes unavailable it says why and exits 7.
            """)
        {
            CommonOptions.Json,
        };
        command.SetAction(async (parse, _) =>
        {
            bool json = parse.GetValue(CommonOptions.Json);
            using var stop = new CancellationTokenSource();
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            try
            {
                // Checked (and migrated) like any host command, then watched read-only: a database
                // that disappears is reported, never recreated empty. A fleet database is watched
                // through the operator's own connection (the server has no read-only file to open).
                using Storage.Stores host = Storage.Stores.OpenForWatching(HostDatabase.Location(parse));
                string path = host.Description;
                QueueStore queue = host.Queue;
                if (!json && TerminalStyle.CanRedraw)
                {
                    await new LiveQueueTable(cli.Output, TerminalStyle.ForStandardOutput(parse), path).RunAsync(queue.WatchAsync(stop.Token), stop.Token).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                if (!json)
                {
                    cli.Output.WriteLine($"Watching {AgentText.Visible(path)}; Ctrl-C to stop.");
                }

                await foreach (QueueEvent change in queue.WatchAsync(stop.Token).ConfigureAwait(false))
                {
                    if (json)
                    {
                        cli.WriteJson(change, SidecarJson.Readable.QueueEvent);
                    }
                    else
                    {
                        string status = change.Reason is not null ? "  " + AgentText.Visible(change.Reason, multiline: false) : change.Status is null ? string.Empty : "  " + change.Status;
                        cli.Output.WriteLine($"{change.At.ToLocalTime():HH:mm:ss}  {change.Event,-8}  {AgentText.Visible(change.Id, multiline: false)}  {AgentText.Visible(change.Slug)}  {AgentText.Visible(change.Tool)}{status}");
                    }
                }

                return ExitCodes.Success;
            }
            catch (Storage.Errors.StorageException exception)
            {
                return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
            }

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        });
        return command;
    }

    private static Command Show(CliContext cli)
    {
        Argument<string> id = IdArgument();
        var command = new Command("show", "Show one proposal: its justification, the diff from the current file, and its response if answered.") { id, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            var queue = HostDatabase.Open(parse).Queue;
            string proposalId = parse.GetValue(id)!;
            Proposal proposal = queue.ReadProposal(proposalId) ?? throw new Storage.Errors.StorageException(Storage.Errors.StorageErrorKind.NotFound, $"No proposal {proposalId}.");
            Response? response = queue.ReadResponse(proposalId);

            // An agent polling its task learns that a person has looked (tasks/get's status message).
            queue.MarkSeenByOperator(proposalId);
            if (parse.GetValue(CommonOptions.Json))
            {
                cli.WriteJson(new ProposalDetails(proposal, response), SidecarJson.Readable.ProposalDetails);
                return ExitCodes.Success;
            }

            ProposalView.Write(cli.Output, TerminalStyle.ForStandardOutput(parse), proposal, response, queue.ReadWithdrawal(proposalId));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Approve(CliContext cli)
    {
        Argument<string> id = IdArgument();
        Option<string> notes = NotesOption("Notes for the agent.");
        var command = new Command("approve", "Approve a proposal as proposed.") { id, notes, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() => Decide(cli, parse, parse.GetValue(id)!, ResponseStatus.Approved, parse.GetValue(notes)!, null)));
        return command;
    }

    private static Command Modify(CliContext cli)
    {
        Argument<string> id = IdArgument();
        var finalFile = new Option<string>("--final-file") { Description = "The file to apply instead of the proposed one ('-' reads standard input).", Required = true, HelpName = "PATH" };
        Option<string> notes = NotesOption("Notes for the agent: what you changed and why.");
        var command = new Command("modify", "Approve a proposal with changes: the agent receives your final file.") { id, finalFile, notes, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            string text = FileArguments.Read(parse.GetValue(finalFile)!, "--final-file");
            return Decide(cli, parse, parse.GetValue(id)!, ResponseStatus.Modified, parse.GetValue(notes)!, text);
        }));
        return command;
    }

    private static Command Reject(CliContext cli)
    {
        Argument<string> id = IdArgument();
        Option<string> notes = NotesOption("Why: the agent reads this to decide what to try next.", required: true);
        var command = new Command("reject", "Reject a proposal; --notes tells the agent why.") { id, notes, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() => Decide(cli, parse, parse.GetValue(id)!, ResponseStatus.Rejected, parse.GetValue(notes)!, null)));
        return command;
    }

    private static int Decide(CliContext cli, ParseResult parse, string proposalId, ResponseStatus status, string notes, string? finalFile)
    {
        Decision decision = HostDatabase.Open(parse).Decisions.Decide(proposalId, status, notes, finalFile);
        if (parse.GetValue(CommonOptions.Json))
        {
            cli.WriteJson(decision, SidecarJson.Readable.Decision);
        }
        else
        {
            cli.Output.WriteLine(Describe(decision));
        }

        return ExitCodes.Success;
    }

    /// <summary>"approved ID (bottle, tool); audit entry N": the one line both ways of answering print.</summary>
    public static string Describe(Decision decision)
        => $"{ResponseStatusSqliteText.ToText(decision.Response.Status)} {decision.Proposal.Id} (bottle {AgentText.Visible(decision.Proposal.BottleSlug, multiline: false)}, {AgentText.Visible(decision.Proposal.Tool, multiline: false)}); audit entry {decision.AuditEntry.Id}";
}
