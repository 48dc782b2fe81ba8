using System;
using System.CommandLine;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>propose</c>: queue a proposal from a script or another sidecar (git-gate, egress).</summary>
internal static class ProposeCommand
{
    public const string Description = "Queue a proposal for the operator and print its id, or with --wait the decision as JSON. A retried identical proposal that is still open joins it instead of queueing a duplicate.";

    /// <summary><c>bot-bottle-sidecar propose</c>.</summary>
    public static Command Build(CliContext cli) => Configure(new Command("propose", Description + "\n\n" + ExitCodes.Help), cli);

    /// <summary>
    /// <c>bot-bottle-propose</c>: the same options and the same code as the command, as a whole
    /// executable for the sidecars that only queue proposals.
    /// </summary>
    public static RootCommand BuildRoot(CliContext cli)
    {
        var root = new RootCommand(Description + """


            bot-bottle-propose is bot-bottle-sidecar's propose on its own, for the other sidecars
            (git-gate, egress) and scripts: the same flags, output and exit codes. The queue is
            /run/supervise/bot-bottle.db (the host's ~/.bot-bottle/db directory, mounted), or the host
            broker's /run/supervise/bot-bottle.sock when it exists; --db or --broker overrides them.
            """ + "\n\n" + ExitCodes.Help);
        root.Options.Add(CommonOptions.Db);
        return Configure(root, cli);
    }

    private static TCommand Configure<TCommand>(TCommand command, CliContext cli)
        where TCommand : Command
    {
        var slug = new Option<string>("--slug") { Description = "The bottle this sidecar serves.", Required = true };
        var tool = new Option<string>("--tool") { Description = "What raises the proposal: cred-proxy-block, pipelock-block, capability-block (checked like the MCP tools), or another component name such as git-gate.", Required = true, HelpName = "NAME" };
        var justification = new Option<string>("--justification") { Description = "Why the change is needed; the operator reads it.", Required = true, HelpName = "TEXT" };
        var file = new Option<string?>("--file") { Description = "The proposed file ('-' reads standard input; default: empty).", HelpName = "PATH" };
        var current = new Option<string?>("--current") { Description = "The file the proposal would replace, so the operator sees a diff.", HelpName = "PATH" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the operator's decision and print it as JSON." };
        Option<string?> socket = CommonOptions.Socket();
        var timeout = new Option<double?>("--timeout") { Description = "With --wait: give up after this many seconds (exit 11, the proposal stays queued). Default: wait forever.", HelpName = "SECONDS" };
        foreach (Option option in new Option[] { slug, tool, justification, file, current, wait, timeout, socket, CommonOptions.BrokerTokenFile(alsoTokenFile: true), CommonOptions.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(cli, parse, slug, tool, justification, file, current, wait, timeout, socket, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext cli,
        ParseResult parse,
        Option<string> slug,
        Option<string> tool,
        Option<string> justification,
        Option<string?> file,
        Option<string?> current,
        Option<bool> wait,
        Option<double?> timeout,
        Option<string?> socket,
        CancellationToken cancellationToken)
    {
        TimeSpan limit;
        try
        {
            limit = WaitLimits.FromSeconds(parse.GetValue(timeout), "--timeout");
        }
        catch (StorageException exception)
        {
            return cli.Fail(ExitCodes.Usage, exception.Message);
        }

        ProposalWriteResult written;
        ISidecarStore queue;
        try
        {
            string text = parse.GetValue(file) is { } path ? CommonOptions.ReadFileArgument(path, "--file") : string.Empty;
            string? currentFile = parse.GetValue(current) is { } currentPath ? CommonOptions.ReadFileArgument(currentPath, "--current") : null;
            string slugValue = Storage.Validation.Validate.Slug(parse.GetValue(slug), "--slug");
            queue = CommonOptions.OpenSidecarQueue(parse, socket, slugValue, out _);
            written = queue.Propose(parse.GetValue(tool)!, text, parse.GetValue(justification)!, currentFile);
        }
        catch (StorageException exception)
        {
            return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
        }
        catch (UsageException exception)
        {
            return cli.Fail(ExitCodes.Usage, exception.Message);
        }

        Proposal proposal = written.Proposal;
        if (!parse.GetValue(wait))
        {
            if (parse.GetValue(CommonOptions.Json))
            {
                cli.WriteJson(new ProposeOutput(proposal.Id, written.Joined), SidecarJson.Readable.ProposeOutput);
            }
            else
            {
                cli.Output.WriteLine(proposal.Id);
            }

            return ExitCodes.Success;
        }

        // The first serialization sets up the JSON metadata and writers; done now, while nobody has
        // answered yet, it is not between the operator's decision and the agent getting it.
        _ = JsonSerializer.Serialize(ToolResult.Pending(proposal.Id), SidecarJson.Readable.ToolResult);

        try
        {
            Response? response = await queue.ConsumeResponseAsync(proposal.Id, limit, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                cli.WriteJson(ToolResult.Pending(proposal.Id), SidecarJson.Readable.ToolResult);
                return ExitCodes.Pending;
            }

            cli.WriteJson(ToolResult.From(proposal, response), SidecarJson.Readable.ToolResult);
            return response.Status == ResponseStatus.Rejected ? ExitCodes.Rejected : ExitCodes.Success;
        }
        catch (StorageException exception)
        {
            return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
        }
    }
}
