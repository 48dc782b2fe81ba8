using System;
using System.Threading.Tasks;
using BotBottle.Sidecar.Cli;

namespace BotBottle.Sidecar;

/// <summary>The bot-bottle-sidecar entry point.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var cli = new CliContext(Console.Out, Console.Error);
        return CommandLineHost.RunAsync(SidecarCommandLine.Build(cli), "bot-bottle-sidecar", cli, args);
    }
}
