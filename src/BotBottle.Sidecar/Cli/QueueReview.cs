using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// <c>queue review</c>: the pending proposals one at a time, oldest first, each answered through
/// the same <see cref="OperatorDecisions"/> as <c>queue approve|modify|reject</c> (so the same
/// rows and audit entries). When none is left it waits, woken by the database's change
/// notifications, and a proposal that arrives joins the loop.
/// </summary>
internal sealed class QueueReview
{
    private const string Choices = "[a]pprove  [m]odify  [r]eject  [s]kip  [q]uit: ";

    private readonly CliContext _cli;
    private readonly TerminalStyle _style;
    private readonly Stores _database;
    private readonly QueueStore _queue;
    private readonly OperatorDecisions _decisions;
    private readonly LineInput _input = new();
    private readonly HashSet<string> _skipped = new(StringComparer.Ordinal);

    // Rows the queue cannot read, each reported once.
    private readonly HashSet<string> _reportedUnreadable = new(StringComparer.Ordinal);
    private readonly Dictionary<ResponseStatus, int> _answered = [];
    private volatile bool _editing;

    private QueueReview(CliContext cli, TerminalStyle style, Stores database)
    {
        _cli = cli;
        _style = style;
        _database = database;
        _queue = database.Queue;
        _decisions = database.Decisions;
    }

    private TextWriter Output => _cli.Output;

    public static Command Build(CliContext cli)
    {
        var slug = new Option<string?>("--slug") { Description = "Only this bottle's proposals (default: every bottle)." };
        var command = new Command("review", """
            Answer the pending proposals one at a time, oldest first: each shows its justification and
            the diff against the current file, then asks: approve, modify (opens $VISUAL or $EDITOR,
            else vi, on the proposed file; what you save is the final file), reject (asks why), skip or
            quit. Each answer is the same as 'queue approve|modify|reject' (response and audit entry).
            When none is left it waits for new ones. Needs a terminal; scripts use 'queue pending',
            'queue show' and 'queue approve|modify|reject'.
            """)
        {
            slug,
        };
        command.SetAction(async (parse, _) =>
        {
            if (Console.IsInputRedirected || Console.IsOutputRedirected)
            {
                return cli.Fail(ExitCodes.Usage, "queue review is interactive: it needs a terminal for input and output. From a script, use 'queue pending', 'queue show ID' and 'queue approve|modify|reject ID' (or 'queue watch --json').");
            }

            try
            {
                var review = new QueueReview(cli, TerminalStyle.ForStandardOutput(parse), HostDatabase.Open(parse));
                return await review.RunAsync(parse.GetValue(slug)).ConfigureAwait(false);
            }
            catch (StorageException exception)
            {
                return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
            }
        });
        return command;
    }

    private async Task<int> RunAsync(string? slug)
    {
        using var stop = new CancellationTokenSource();

        // Ctrl-C while the editor runs belongs to the editor; otherwise it ends the review, with its tally.
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            if (!_editing)
            {
                stop.Cancel();
            }
        });

        IChangeSignal watcher = _database.Changes;
        using IDisposable lease = watcher.Register();
        bool saidWaiting = false;
        try
        {
            while (true)
            {
                // Taken before the read, so a proposal committed during it still wakes the wait below.
                Task changed = watcher.NextChange;
                RowList<Proposal> pending = _queue.ListPendingProposals(slug);
                foreach (UnreadableRow row in pending.Unreadable.Where(r => _reportedUnreadable.Add(r.Key)))
                {
                    Output.WriteLine($"Proposal {AgentText.Visible(row.Key, multiline: false)} cannot be read ({AgentText.Visible(row.Reason, multiline: false)}): it was written outside bot-bottle; skipping it.");
                }

                List<Proposal> unseen = pending.Where(p => !_skipped.Contains(p.Id)).ToList();
                if (unseen.Count == 0)
                {
                    if (!saidWaiting)
                    {
                        string skipped = pending.Count == 0 ? string.Empty : $" ({pending.Count} skipped)";
                        Output.WriteLine(_style.Dim($"No more pending proposals{skipped}. Waiting for new ones; q and Enter quits, as does Ctrl-C."));
                        saidWaiting = true;
                    }

                    Task<string?> line = _input.NextAsync();
                    await Task.WhenAny(line, changed).WaitAsync(stop.Token).ConfigureAwait(false);
                    if (line.IsCompleted && IsQuit(_input.Take()))
                    {
                        break;
                    }

                    continue;
                }

                saidWaiting = false;
                // The list leaves out the current file; the diff needs it.
                Proposal proposal = _queue.ReadProposal(unseen[0].Id) ?? unseen[0];
                Output.WriteLine();
                Output.WriteLine(_style.Highlight($" {pending.Count - unseen.Count + 1} of {pending.Count} pending "));
                ProposalView.Write(Output, _style, proposal, response: null);
                _queue.MarkSeenByOperator(proposal.Id);
                if (!await AnswerAsync(proposal, stop.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Output.WriteLine();
        }

        Output.WriteLine(Tally());
        return ExitCodes.Success;
    }

    /// <summary>Asks what to do with <paramref name="proposal"/> until it is answered or skipped; false to quit.</summary>
    private async Task<bool> AnswerAsync(Proposal proposal, CancellationToken stop)
    {
        while (true)
        {
            Output.Write(_style.Bold(Choices));
            string? choice = await _input.ReadAsync(stop).ConfigureAwait(false);
            switch (choice?.Trim().ToLowerInvariant())
            {
                case null or "q" or "quit":
                    return false;
                case "s" or "skip":
                    _skipped.Add(proposal.Id);
                    return true;
                case "a" or "approve":
                {
                    string notes = await AskAsync("Notes for the agent (optional): ", stop).ConfigureAwait(false);
                    if (TryDecide(proposal, ResponseStatus.Approved, notes, finalFile: null) is { } done)
                    {
                        return done;
                    }

                    break;
                }

                case "m" or "modify":
                {
                    if (Edit(proposal) is not { } finalFile)
                    {
                        break;
                    }

                    ProposalView.WriteDiff(Output, _style, proposal.ProposedFile, finalFile, "proposed", "final");
                    string notes = await AskAsync("Notes for the agent, what you changed and why (optional): ", stop).ConfigureAwait(false);
                    if (TryDecide(proposal, ResponseStatus.Modified, notes, finalFile) is { } done)
                    {
                        return done;
                    }

                    break;
                }

                case "r" or "reject":
                {
                    string notes = await AskAsync("Why? The agent reads this to decide what to try next (empty goes back): ", stop).ConfigureAwait(false);
                    if (notes.Length == 0)
                    {
                        break;
                    }

                    if (TryDecide(proposal, ResponseStatus.Rejected, notes, finalFile: null) is { } done)
                    {
                        return done;
                    }

                    break;
                }

                default:
                    Output.WriteLine("Type a, m, r, s or q, then Enter.");
                    break;
            }
        }
    }

    /// <summary>
    /// Answers through the operator path. True: answered, go on. Null: the answer was refused
    /// (a final file that breaks the tool's rule), ask again. A proposal answered meanwhile by
    /// someone else is reported and the review goes on.
    /// </summary>
    private bool? TryDecide(Proposal proposal, ResponseStatus status, string notes, string? finalFile)
    {
        try
        {
            Decision decision = _decisions.Decide(proposal.Id, status, notes, finalFile);
            _answered[status] = _answered.GetValueOrDefault(status) + 1;
            Output.WriteLine(_style.Green(QueueCommands.Describe(decision)));
            return true;
        }
        catch (StorageException exception)
        {
            _cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
            return exception.Kind == StorageErrorKind.InvalidArgument ? null : true;
        }
    }

    /// <summary>
    /// The proposed file, edited by the operator in their editor; null (having said why) when the
    /// editor failed, the text is not UTF-8, or nothing changed.
    /// </summary>
    private string? Edit(Proposal proposal)
    {
        DirectoryInfo scratch = Directory.CreateTempSubdirectory("bot-bottle-review-");
        try
        {
            string path = Path.Combine(scratch.FullName, "proposed-" + proposal.Id);
            File.WriteAllText(path, proposal.ProposedFile);
            string editor = EditorCommand();
            int exitCode = RunEditor(editor, path);
            if (exitCode != 0)
            {
                _cli.Fail(ExitCodes.Usage, $"the editor ({editor}) exited with {exitCode}; nothing was decided.");
                return null;
            }

            string edited = FileArguments.DecodeUtf8(File.ReadAllBytes(path), "the edited file");
            if (edited == proposal.ProposedFile)
            {
                Output.WriteLine("The file is unchanged: to answer with the proposed file, approve it.");
                return null;
            }

            return edited;
        }
        catch (UsageException exception)
        {
            _cli.Fail(ExitCodes.Usage, exception.Message);
            return null;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    // As git does: VISUAL, then EDITOR, then vi; run by the shell so "code --wait" works.
    private static string EditorCommand()
        => NonEmpty(Environment.GetEnvironmentVariable("VISUAL")) ?? NonEmpty(Environment.GetEnvironmentVariable("EDITOR")) ?? "vi";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private int RunEditor(string editor, string path)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(editor + " \"$1\"");
        start.ArgumentList.Add("editor");
        start.ArgumentList.Add(path);
        _editing = true;
        try
        {
            using Process process = Process.Start(start) ?? throw new UsageException($"could not start the editor ({editor}).");
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new UsageException($"could not start the editor ({editor}): {exception.Message}");
        }
        finally
        {
            _editing = false;
        }
    }

    private async Task<string> AskAsync(string question, CancellationToken stop)
    {
        Output.Write(question);
        return (await _input.ReadAsync(stop).ConfigureAwait(false))?.Trim() ?? string.Empty;
    }

    private static bool IsQuit(string? line) => line is null || line.Trim().ToLowerInvariant() is "q" or "quit";

    private string Tally()
    {
        string Count(ResponseStatus status) => $"{_answered.GetValueOrDefault(status)} {ResponseStatusSqliteText.ToText(status)}";
        return $"Review ended: {Count(ResponseStatus.Approved)}, {Count(ResponseStatus.Modified)}, {Count(ResponseStatus.Rejected)}, {_skipped.Count} skipped.";
    }

    /// <summary>
    /// Lines from the terminal with at most one read outstanding, so waiting for a line and for
    /// the database at once never loses a line (or lets a second read steal the editor's input).
    /// </summary>
    private sealed class LineInput
    {
        private Task<string?>? _pending;

        public Task<string?> NextAsync() => _pending ??= Task.Run(Console.In.ReadLine);

        /// <summary>The line <see cref="NextAsync"/> finished reading, which the next read will not return again.</summary>
        public string? Take()
        {
            string? line = _pending!.Result;
            _pending = null;
            return line;
        }

        public async Task<string?> ReadAsync(CancellationToken stop)
        {
            await NextAsync().WaitAsync(stop).ConfigureAwait(false);
            return Take();
        }
    }
}
