using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The published NativeAOT bot-bottle-sidecar, run as a separate process. BOTBOTTLE_SIDECAR_BIN
/// names it; BOTBOTTLE_SIDECAR_LAUNCHER (for example "qemu-aarch64-static -L /usr/aarch64-linux-gnu")
/// runs a binary of another architecture, through a small wrapper script so that every way a test
/// starts it (directly, from bash in a mount namespace, as another user) goes through the launcher.
/// </summary>
public static class SidecarBinary
{
    private static readonly Lazy<string> Located = new(Locate);
    private static readonly Lazy<string> LocatedForAnyUser = new(LocateForAnyUser);

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The Node project of the real clients the tests drive (MCP SDKs, MCP Inspector, the browser), installed by build/test.sh.</summary>
    public static string NodeClients { get; } = System.IO.Path.Combine(RepoRoot, "tests", "BotBottle.Sidecar.Tests", "mcp-client");

    /// <summary>bot-bottle-host, published beside the sidecar under test: the fleet's and the dashboard's executable.</summary>
    public static string HostPath => Runnable(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Published)!, "bot-bottle-host"));

    /// <summary>What to execute: the binary itself, or its launcher wrapper.</summary>
    public static string Path => Located.Value;

    /// <summary>
    /// What to execute as another user (the sidecar's own, nobody): <see cref="Path"/> when every user
    /// can reach it, otherwise a copy of the binary and its SQLite library in a directory they can.
    /// A checkout under a private directory (root's 0700 home, any <c>mktemp -d</c>) is out of their reach.
    /// </summary>
    public static string PathForAnyUser => LocatedForAnyUser.Value;

    /// <summary>
    /// How much longer than natively to wait for a process: an emulated one takes about a second to
    /// start, and many at once share two cores. Deadlines in tests that start many processes scale by it.
    /// </summary>
    public static int Patience { get; } = Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_LAUNCHER") is { Length: > 0 } ? 4 : 1;

    /// <summary>The architecture under test, as build/test.sh names it (linux-x64 unless told).</summary>
    public static string Architecture => Environment.GetEnvironmentVariable("BOTBOTTLE_ARCH") is { Length: > 0 } arch ? arch : "linux-x64";

    public static CommandResult Run(params string[] args) => RunWithInput(null, args);

    public static CommandResult RunWithInput(string? standardInput, params string[] args) => RunExecutable(Path, standardInput, args);

    /// <summary>Runs <paramref name="executable"/> (this binary or another build of it) to completion.</summary>
    public static CommandResult RunExecutable(string executable, string? standardInput, params string[] args)
    {
        using Process process = StartExecutable(executable, args);
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        TimeSpan limit = TimeSpan.FromSeconds(60 * Patience);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bot-bottle-sidecar {string.Join(' ', args)} did not exit within {limit.TotalSeconds} s");
        }

        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }

    public static Process Start(params string[] args) => StartExecutable(Path, args);

    public static Process StartExecutable(string executable, params string[] args)
    {
        var start = new ProcessStartInfo(executable)
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

    /// <summary>
    /// The binary run as <paramref name="uid"/> (and the same gid, no supplementary groups) with
    /// <paramref name="args"/>: what to pass to <c>setpriv</c>, as root.
    /// </summary>
    public static string[] AsUser(int uid, params string[] args)
        => [$"--reuid={uid}", $"--regid={uid}", "--clear-groups", PathForAnyUser, .. args];

    /// <summary>The published binary itself (not its launcher wrapper).</summary>
    public static string Published => Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_BIN") is { Length: > 0 } fromEnvironment
        ? fromEnvironment
        : System.IO.Path.Combine(RepoRoot, "dist", "linux-x64", "bot-bottle-sidecar");

    /// <summary><paramref name="binary"/>, or a wrapper that runs it through BOTBOTTLE_SIDECAR_LAUNCHER when one is set.</summary>
    public static string Runnable(string binary)
        => Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_LAUNCHER") is { Length: > 0 } launcher
            ? Launcher.Wrap(launcher, System.IO.Path.GetFullPath(binary))
            : binary;

    private static string Locate()
    {
        string path = Published;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No published bot-bottle-sidecar at {path}. Run 'bash build/test.sh' (it publishes first) or 'bash build/publish.sh linux-x64'.");
        }

        return Runnable(path);
    }

    private static string LocateForAnyUser()
    {
        string published = System.IO.Path.GetFullPath(Published);
        if (EveryUserCanExecute(published))
        {
            return Path;
        }

        string copy = Directory.CreateTempSubdirectory("bb-any-user-").FullName;
        File.SetUnixFileMode(copy, (UnixFileMode)0b111_101_101);
        if (!EveryUserCanExecute(copy))
        {
            throw new InvalidOperationException($"{published} is out of other users' reach, and so is the temporary directory {copy}; point TMPDIR at a directory every user can enter (such as /tmp).");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(copy, recursive: true);
        string directory = System.IO.Path.GetDirectoryName(published)!;
        foreach (string file in new[] { System.IO.Path.GetFileName(published), "libe_sqlite3.so" })
        {
            string source = System.IO.Path.Combine(directory, file);
            if (File.Exists(source))
            {
                string target = System.IO.Path.Combine(copy, file);
                CopyExecutable(source, target, (UnixFileMode)0b111_101_101);
            }
        }

        return Runnable(System.IO.Path.Combine(copy, System.IO.Path.GetFileName(published)));
    }

    /// <summary>
    /// Copies an executable that a test will run, through <c>cp</c>. Written by this process, the copy's
    /// open file would be inherited by any process another test forks meanwhile, and running the copy
    /// then fails with "Text file busy" (ETXTBSY): a fresh-clone run failed that way once.
    /// </summary>
    public static void CopyExecutable(string source, string target, UnixFileMode mode)
    {
        using Process copy = Process.Start(new ProcessStartInfo("cp", [source, target]) { RedirectStandardError = true })!;
        string error = copy.StandardError.ReadToEnd();
        copy.WaitForExit();
        if (copy.ExitCode != 0)
        {
            throw new IOException($"cp {source} {target} failed: {error}");
        }

        File.SetUnixFileMode(target, mode);
    }

    /// <summary>Whether a user other than the owner may enter every directory above <paramref name="path"/> and execute it.</summary>
    private static bool EveryUserCanExecute(string path)
    {
        for (string? current = path; current is not null; current = System.IO.Path.GetDirectoryName(current))
        {
            if ((File.GetUnixFileMode(current) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
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
