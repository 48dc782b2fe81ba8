using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// Runs a bash script in a new private mount namespace (unshare -m; the tests run as root), with
/// $BIN set to the published sidecar, so a test can build the exact mounts a sidecar would see, and
/// $PROPOSE to the command that proposes (<c>$BIN propose</c>, or bot-bottle-propose).
/// </summary>
public static class MountNamespace
{
    public static CommandResult Run(string script, Proposer? proposer = null)
    {
        var start = new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "bash", "-c", "set -u; " + script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["BIN"] = SidecarBinary.Path;
        start.Environment["PROPOSE"] = (proposer ?? Proposer.Sidecar).ShellCommand;
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120 * SidecarBinary.Patience)), "the namespace script did not finish");
        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }
}
