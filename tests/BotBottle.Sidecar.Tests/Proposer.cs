using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// An executable that queues proposals: <c>bot-bottle-sidecar propose</c>, or <c>bot-bottle-propose</c>
/// (the same command alone, for the other sidecars). The propose tests run against both; they are
/// written with the sidecar's command line, and the small executable gets it without <c>propose</c>.
/// </summary>
public sealed class Proposer
{
    public static readonly Proposer Sidecar = new("bot-bottle-sidecar propose", small: false);

    public static readonly Proposer Small = new("bot-bottle-propose", small: true);

    private readonly bool _small;

    private Proposer(string name, bool small)
    {
        Name = name;
        _small = small;
    }

    public static IReadOnlyList<Proposer> Both { get; } = [Sidecar, Small];

    /// <summary>For a theory that runs against both: each one's name (<see cref="Named"/> finds it again).</summary>
    public static Xunit.TheoryData<string> Names { get; } = new() { Sidecar.Name, Small.Name };

    public static Proposer Named(string name) => Both.Single(p => p.Name == name);

    public string Name { get; }

    /// <summary>What to execute (through the launcher under QEMU).</summary>
    public string Executable => _small ? SmallExecutable.Value : SidecarBinary.Path;

    private static readonly Lazy<string> SmallExecutable = new(static () =>
    {
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(SidecarBinary.Published))!, "bot-bottle-propose");
        return File.Exists(path)
            ? SidecarBinary.Runnable(path)
            : throw new FileNotFoundException($"No published bot-bottle-propose at {path}. Run 'bash build/publish.sh linux-x64' (build/test.sh does).");
    });

    /// <summary>The command as a shell script writes it, before its options.</summary>
    public string ShellCommand => _small ? Executable : SidecarBinary.Path + " propose";

    /// <summary>The sidecar's arguments (with <c>propose</c> among them) as this executable takes them.</summary>
    public string[] Arguments(IEnumerable<string> sidecarArguments)
    {
        string[] arguments = sidecarArguments.ToArray();
        if (!_small)
        {
            return arguments;
        }

        int command = Array.IndexOf(arguments, "propose");
        return command < 0 ? throw new ArgumentException("the arguments have no 'propose' command") : [.. arguments[..command], .. arguments[(command + 1)..]];
    }

    public CommandResult Run(params string[] sidecarArguments) => RunWithInput(null, sidecarArguments);

    public CommandResult RunWithInput(string? standardInput, params string[] sidecarArguments)
        => SidecarBinary.RunExecutable(Executable, standardInput, Arguments(sidecarArguments));

    public Process Start(params string[] sidecarArguments) => SidecarBinary.StartExecutable(Executable, Arguments(sidecarArguments));

    public override string ToString() => Name;
}
