using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace BotBottle.Storage.Database;

/// <summary>One line of /proc/self/mountinfo: where a filesystem is mounted and what type it is.</summary>
/// <param name="MountPoint">The mount point, unescaped.</param>
/// <param name="FilesystemType">The type after the " - " separator (ext4, nfs4, fuse.sshfs, …).</param>
/// <param name="ReadOnly">Whether the mount is read-only ("ro" among its per-mount options).</param>
internal sealed record MountEntry(string MountPoint, string FilesystemType, bool ReadOnly = false);

/// <summary>The calling process's mounts, as the kernel reports them in /proc/self/mountinfo.</summary>
internal static class MountTable
{
    public const string MountInfoPath = "/proc/self/mountinfo";

    public static IReadOnlyList<MountEntry> Read() => Parse(File.ReadAllLines(MountInfoPath));

    /// <summary>Parses mountinfo lines: "36 35 98:0 /root /mnt opts [optional...] - fstype source superopts".</summary>
    public static IReadOnlyList<MountEntry> Parse(IEnumerable<string> lines)
    {
        var entries = new List<MountEntry>();
        foreach (string line in lines)
        {
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 5 || separator + 1 >= fields.Length)
            {
                continue;
            }

            entries.Add(new MountEntry(Unescape(fields[4]), fields[separator + 1], Array.IndexOf(fields[5].Split(','), "ro") >= 0));
        }

        return entries;
    }

    /// <summary>The mount that holds <paramref name="path"/> (the longest mount point that contains it).</summary>
    public static MountEntry? Owner(IReadOnlyList<MountEntry> mounts, string path)
    {
        MountEntry? owner = null;
        foreach (MountEntry mount in mounts)
        {
            bool contains = mount.MountPoint == "/"
                || path == mount.MountPoint
                || path.StartsWith(mount.MountPoint + "/", StringComparison.Ordinal);

            // Later lines shadow earlier ones at the same mount point (stacked mounts).
            if (contains && (owner is null || mount.MountPoint.Length >= owner.MountPoint.Length))
            {
                owner = mount;
            }
        }

        return owner;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo octal.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }

        return builder.ToString();
    }

    private static bool IsOctal(string field, int start)
        => start + 3 <= field.Length && field[start] is >= '0' and <= '7' && field[start + 1] is >= '0' and <= '7' && field[start + 2] is >= '0' and <= '7';
}
