using System;
using System.IO;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Database;

/// <summary>
/// Fleet mode's host-side config (<see cref="HostPaths.FleetConfig"/>): the PostgreSQL database this
/// host's commands, broker and library use instead of the SQLite file. Never an environment
/// variable: nothing a sidecar can see chooses the database.
/// </summary>
public static class FleetConfig
{
    /// <summary>Whether <paramref name="text"/> names a PostgreSQL database (a postgres:// or postgresql:// URL) rather than a file.</summary>
    public static bool IsPostgresUrl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The connection URL in <paramref name="path"/> (its first line that is not a <c>#</c> comment), or null when there is no such file.</summary>
    /// <exception cref="StorageException">Denied when others may read the file (it holds credentials); InvalidArgument when it holds no URL.</exception>
    public static string? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new StorageException(StorageErrorKind.Denied, $"{path} holds the fleet database's credentials but others can read it; chmod 600 {path}.");
        }

        foreach (string line in File.ReadAllLines(path))
        {
            string text = line.Trim();
            if (text.Length > 0 && !text.StartsWith('#'))
            {
                return IsPostgresUrl(text)
                    ? text
                    : throw new StorageException(StorageErrorKind.InvalidArgument, $"{path}: the first line that is not a comment must be the fleet database's postgres:// URL.");
            }
        }

        throw new StorageException(StorageErrorKind.InvalidArgument, $"{path} is empty; write the fleet database's postgres://ROLE@HOST:PORT/DATABASE URL in it (or remove it for a single host).");
    }
}
