using System;
using System.Threading.Tasks;
using BotBottle.Sidecar.Cli;

namespace BotBottle.Sidecar;

/// <summary>
/// The bot-bottle-propose entry point (published with -p:BotBottlePropose=true): only propose, so
/// the trimmer leaves out serve's web server and MCP SDK and the operator's commands.
/// </summary>
internal static class ProposeProgram
{
    public static Task<int> Main(string[] args)
    {
        var cli = new CliContext(Console.Out, Console.Error);
        return CommandLineHost.RunAsync(ProposeCommand.BuildRoot(cli), "bot-bottle-propose", cli, args);
    }
}
