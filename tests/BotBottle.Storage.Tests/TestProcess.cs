using System;
using System.Diagnostics;
using System.IO;

namespace BotBottle.Storage.Tests;

/// <summary>Starts BotBottle.Storage.TestProcess: another OS process using the library on the same database.</summary>
public static class TestProcess
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "BotBottle.Storage.TestProcess.dll");

    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the test process");
    }

    /// <summary>
    /// Starts the test process in a mount namespace of its own, where <paramref name="directory"/> is
    /// also bind-mounted at <paramref name="mountPoint"/>: the layout of a container that mounts the
    /// host's database directory. Arguments may name paths under <paramref name="mountPoint"/>.
    /// </summary>
    public static Process StartThroughBindMount(string directory, string mountPoint, params string[] args)
    {
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["-m", "sh", "-c", "mount --bind \"$0\" \"$1\" && shift && exec \"$@\"", directory, mountPoint, DotnetHost(), Dll, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start unshare");
    }

    /// <summary>Waits for exit and returns (exit code, stdout, stderr).</summary>
    public static (int ExitCode, string Output, string Error) Finish(Process process, TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the test process did not exit in " + timeout);
        }

        return (process.ExitCode, process.StandardOutput.ReadToEnd().Trim(), process.StandardError.ReadToEnd().Trim());
    }

    private static string DotnetHost()
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
