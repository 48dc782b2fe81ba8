using System.Threading;
using System.Threading.Tasks;
using BotBottle.Sidecar.Cli;

namespace BotBottle.Sidecar;

/// <summary>
/// The bot-bottle-propose entry point (published with -p:BotBottlePropose=true): only propose, with
/// its own small parser, so the trimmer leaves out serve's web server and MCP SDK, the operator's
/// commands, System.CommandLine and the JSON serializer.
/// </summary>
internal static class ProposeProgram
{
    public static Task<int> Main(string[] args)
        => ProposeCommandLine.RunAsync(new CliContext(new DescriptorWriter(1), new DescriptorWriter(2)), args, CancellationToken.None);
}
