using System;
using System.CommandLine;
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

    /// <summary>What <c>bot-bottle-propose --help</c> says above the options.</summary>
    public const string ExecutableDescription = Description + """


        bot-bottle-propose is bot-bottle-sidecar's propose on its own, for the other sidecars
        (git-gate, egress) and scripts: the same flags, output and exit codes. The queue is
        /run/supervise/bot-bottle.db (the host's ~/.bot-bottle/db directory, mounted), or the host
        broker's /run/supervise/bot-bottle.sock when it exists; --db or --broker overrides them.
        """ + "\n\n" + ExitCodes.Help;

    // The options' words, shared with bot-bottle-propose's own parser (ProposeCommandLine).
    public const string SlugDescription = "The bottle this sidecar serves.";
    public const string ToolDescription = "What raises the proposal: cred-proxy-block, pipelock-block, capability-block (checked like the MCP tools), or another component name such as git-gate.";
    public const string JustificationDescription = "Why the change is needed; the operator reads it.";
    public const string FileDescription = "The proposed file ('-' reads standard input; default: empty).";
    public const string CurrentDescription = "The file the proposal would replace, so the operator sees a diff.";
    public const string WaitDescription = "Wait for the operator's decision and print it as JSON.";
    public const string TimeoutDescription = "With --wait: give up after this many seconds (exit 11, the proposal stays queued). Default: wait forever.";

    /// <summary><c>bot-bottle-sidecar propose</c>.</summary>
    public static Command Build(CliContext cli)
    {
        var command = new Command("propose", Description + "\n\n" + ExitCodes.Help);
        var slug = new Option<string>("--slug") { Description = SlugDescription, Required = true };
        var tool = new Option<string>("--tool") { Description = ToolDescription, Required = true, HelpName = "NAME" };
        var justification = new Option<string>("--justification") { Description = JustificationDescription, Required = true, HelpName = "TEXT" };
        var file = new Option<string?>("--file") { Description = FileDescription, HelpName = "PATH" };
        var current = new Option<string?>("--current") { Description = CurrentDescription, HelpName = "PATH" };
        var wait = new Option<bool>("--wait") { Description = WaitDescription };
        Option<string?> socket = CommonOptions.Socket();
        var timeout = new Option<double?>("--timeout") { Description = TimeoutDescription, HelpName = "SECONDS" };
        Option<string?> tokenFile = CommonOptions.BrokerTokenFile(alsoTokenFile: true);
        foreach (Option option in new Option[] { slug, tool, justification, file, current, wait, timeout, socket, tokenFile, CommonOptions.Json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(
            cli,
            new ProposeArguments(
                parse.GetValue(slug)!,
                parse.GetValue(tool)!,
                parse.GetValue(justification)!,
                parse.GetValue(file),
                parse.GetValue(current),
                parse.GetValue(wait),
                parse.GetValue(timeout),
                parse.GetValue(socket),
                parse.GetValue(tokenFile),
                parse.GetValue(CommonOptions.Db),
                parse.GetValue(CommonOptions.Json)),
            cancellationToken));
        return command;
    }

    /// <summary>One proposal, from either executable's parsed command line.</summary>
    public static async Task<int> RunAsync(CliContext cli, ProposeArguments arguments, CancellationToken cancellationToken)
    {
        TimeSpan limit;
        try
        {
            limit = WaitLimits.FromSeconds(arguments.Timeout, "--timeout");
        }
        catch (StorageException exception)
        {
            return cli.Fail(ExitCodes.Usage, exception.Message);
        }

        ProposalWriteResult written;
        ISidecarStore queue;
        try
        {
            string text = arguments.File is { } path ? FileArguments.Read(path, "--file") : string.Empty;
            string? currentFile = arguments.Current is { } currentPath ? FileArguments.Read(currentPath, "--current") : null;
            string slugValue = Storage.Validation.Validate.Slug(arguments.Slug, "--slug");
            queue = SidecarQueue.Open(arguments.Broker, arguments.Db, arguments.BrokerTokenFile, slugValue, out _, out _);
            written = queue.Propose(arguments.Tool, text, arguments.Justification, currentFile);
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
        if (!arguments.Wait)
        {
            if (arguments.Json)
            {
                cli.Output.WriteLine(ProposeJson.Serialize(new ProposeOutput(proposal.Id, written.Joined)));
            }
            else
            {
                cli.Output.WriteLine(proposal.Id);
            }

            return ExitCodes.Success;
        }

        // The first serialization sets up the JSON writer and encoder; done now, while nobody has
        // answered yet, it is not between the operator's decision and the agent getting it.
        _ = ProposeJson.Serialize(ToolResult.Pending(proposal.Id));

        try
        {
            Response? response = await queue.ConsumeResponseAsync(proposal.Id, limit, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                cli.Output.WriteLine(ProposeJson.Serialize(ToolResult.Pending(proposal.Id)));
                return ExitCodes.Pending;
            }

            cli.Output.WriteLine(ProposeJson.Serialize(ToolResult.From(proposal, response)));
            return response.Status == ResponseStatus.Rejected ? ExitCodes.Rejected : ExitCodes.Success;
        }
        catch (StorageException exception)
        {
            return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
        }
    }
}

/// <summary>The options of one propose call, however they were parsed.</summary>
/// <param name="Slug">--slug, not yet validated.</param>
/// <param name="Tool">--tool.</param>
/// <param name="Justification">--justification.</param>
/// <param name="File">--file: a path, or "-" for standard input.</param>
/// <param name="Current">--current: a path.</param>
/// <param name="Wait">--wait.</param>
/// <param name="Timeout">--timeout in seconds; null waits forever.</param>
/// <param name="Broker">--broker (or --socket).</param>
/// <param name="BrokerTokenFile">--broker-token-file (or --token-file).</param>
/// <param name="Db">--db.</param>
/// <param name="Json">--json.</param>
internal sealed record ProposeArguments(
    string Slug,
    string Tool,
    string Justification,
    string? File,
    string? Current,
    bool Wait,
    double? Timeout,
    string? Broker,
    string? BrokerTokenFile,
    string? Db,
    bool Json);
