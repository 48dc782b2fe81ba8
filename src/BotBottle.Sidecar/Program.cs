using System;
using System.CommandLine;
using System.Threading.Tasks;
using BotBottle.Sidecar.Cli;

namespace BotBottle.Sidecar;

/// <summary>The bot-bottle-sidecar entry point.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var cli = new CliContext(Console.Out, Console.Error);
        RootCommand root = SidecarCommandLine.Build(cli);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
            {
                // Parse errors quote the arguments, which may come from anyone: never print them raw.
                cli.Error.WriteLine("error: " + Storage.Text.AgentText.Visible(error.Message));
            }

            cli.Error.WriteLine($"Run '{CommandPath(parse)} --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            // serve lets ASP.NET Core own SIGTERM (graceful stop); other commands end on the default signal handling.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            cli.Error.WriteLine("error: unexpected: " + Storage.Text.AgentText.Visible(exception.Message));
            return ExitCodes.Internal;
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new System.Collections.Generic.List<string>();
        for (System.CommandLine.Parsing.SymbolResult? result = parse.CommandResult; result is System.CommandLine.Parsing.CommandResult command; result = command.Parent)
        {
            names.Insert(0, command.Command is RootCommand ? "bot-bottle-sidecar" : command.Command.Name);
        }

        return string.Join(' ', names);
    }
}
