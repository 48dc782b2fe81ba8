using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>The published NativeAOT bot-bottle-sidecar, run as a separate process.</summary>
public static class SidecarBinary
{
    private static readonly Lazy<string> Located = new(Locate);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Path => Located.Value;

    public static CommandResult Run(params string[] args) => RunWithInput(null, args);

    public static CommandResult RunWithInput(string? standardInput, params string[] args)
    {
        using Process process = Start(args);
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("bot-bottle-sidecar " + string.Join(' ', args) + " did not exit within 60 s");
        }

        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }

    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start bot-bottle-sidecar");
    }

    private static string Locate()
    {
        string path = Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_BIN") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : System.IO.Path.Combine(RepoRoot, "dist", "linux-x64", "bot-bottle-sidecar");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"No published bot-bottle-sidecar at {path}. Run 'bash build/test.sh' (it publishes first) or 'bash build/publish.sh linux-x64 --framework net9.0'.");
    }

    private static string FindRepoRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = System.IO.Path.GetDirectoryName(directory))
        {
            if (File.Exists(System.IO.Path.Combine(directory, "BotBottle.Sidecar.sln")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("BotBottle.Sidecar.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>What a finished command printed and returned.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
}
