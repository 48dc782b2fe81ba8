using System;
using System.IO;
using System.Linq;

namespace BotBottle.Sidecar.Tests;

/// <summary>Wraps a binary of another architecture in a script that runs it under its launcher (QEMU user mode).</summary>
public static class Launcher
{
    /// <summary>An executable script, readable by every user, that runs <paramref name="binary"/> through <paramref name="launcher"/>.</summary>
    public static string Wrap(string launcher, string binary)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        string directory = Directory.CreateTempSubdirectory("bb-launcher-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        string script = Path.Combine(directory, Path.GetFileName(binary));
        string words = string.Join(' ', launcher.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Quote));
        File.WriteAllText(script, $"#!/bin/sh\nexec {words} {Quote(binary)} \"$@\"\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        return script;
    }

    /// <summary>The host architecture's binary, for tests that pair it with the one under test (BOTBOTTLE_HOST_BIN).</summary>
    public static string? HostBinary => Environment.GetEnvironmentVariable("BOTBOTTLE_HOST_BIN") is { Length: > 0 } path && File.Exists(path) ? path : null;

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
