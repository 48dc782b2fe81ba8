using System;
using System.IO;

namespace BotBottle.Storage;

/// <summary>
/// Where the bot-bottle database lives. On the host it has a directory of its own
/// (<c>~/.bot-bottle/db/</c>) because sidecars mount that directory, never the file: SQLite names
/// its <c>-wal</c> and <c>-shm</c> files after the path it opened, so a single-file mount would give
/// host and sidecar private WALs and lose writes. No environment variable selects another database;
/// only an explicit path (the CLI's <c>--db</c>) does.
/// </summary>
public sealed class HostPaths
{
    /// <summary>The database path inside a sidecar: the host's database directory is mounted at <c>/run/supervise</c>.</summary>
    public const string DbPathInContainer = "/run/supervise/bot-bottle.db";

    /// <summary>
    /// The host broker's socket inside a sidecar on a VM backend. When it exists, <c>serve</c> and
    /// <c>propose</c> talk to the broker instead of opening <see cref="DbPathInContainer"/>.
    /// </summary>
    public const string BrokerSocketInContainer = "/run/supervise/bot-bottle.sock";

    /// <summary>The database file name, on the host and in a sidecar.</summary>
    public const string DbFileName = "bot-bottle.db";

    /// <summary>Owner-only directories: the host's state is nobody else's business.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Owner-only database file; SQLite gives its -wal and -shm files the same mode.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Paths under <paramref name="homeDirectory"/>.</summary>
    /// <exception cref="ArgumentException">The home directory is empty or relative.</exception>
    public HostPaths(string homeDirectory)
    {
        if (string.IsNullOrEmpty(homeDirectory) || !Path.IsPathRooted(homeDirectory))
        {
            throw new ArgumentException($"The home directory must be an absolute path, not '{homeDirectory}'.", nameof(homeDirectory));
        }

        Root = Path.Combine(homeDirectory, ".bot-bottle");
        DbDirectory = Path.Combine(Root, "db");
        DbPath = Path.Combine(DbDirectory, DbFileName);
        RunDirectory = Path.Combine(Root, "run");
    }

    /// <summary>The bot-bottle root, <c>~/.bot-bottle</c>.</summary>
    public string Root { get; }

    /// <summary>The database's own directory, <c>~/.bot-bottle/db</c>; this is what a sidecar mounts.</summary>
    public string DbDirectory { get; }

    /// <summary>The host database, <c>~/.bot-bottle/db/bot-bottle.db</c>.</summary>
    public string DbPath { get; }

    /// <summary>
    /// Where host brokers keep their sockets and tokens, <c>~/.bot-bottle/run</c>: apart from the
    /// database directory, which docker sidecars mount whole, so no sidecar sees another bottle's.
    /// </summary>
    public string RunDirectory { get; }

    /// <summary>The broker socket for one bottle, <c>~/.bot-bottle/run/SLUG.sock</c>.</summary>
    public string BrokerSocket(string slug) => Path.Combine(RunDirectory, slug + ".sock");

    /// <summary>
    /// Fleet mode's config: <c>~/.bot-bottle/fleet.conf</c>, mode 0600, naming the PostgreSQL database
    /// host commands and the host broker use instead of the SQLite file (absent: single host).
    /// </summary>
    public string FleetConfig => Path.Combine(Root, "fleet.conf");

    /// <summary>The TCP broker's token for one bottle, <c>~/.bot-bottle/run/SLUG.token</c>.</summary>
    public string BrokerTokenFile(string slug) => Path.Combine(RunDirectory, slug + ".token");

    /// <summary>Paths under the current user's home directory.</summary>
    public static HostPaths ForCurrentUser() => new(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify));

    /// <summary>
    /// Creates the missing directories of <paramref name="dbPath"/> (0700) and the empty database
    /// file (0600) if they do not exist. Existing ones are left as they are. Host role only.
    /// </summary>
    public static void EnsureDatabaseFile(string dbPath)
    {
        string fullPath = Path.GetFullPath(dbPath);
        string? directory = Path.GetDirectoryName(fullPath);
        if (directory is not null)
        {
            CreateMissingDirectories(directory);
        }

        if (Directory.Exists(fullPath))
        {
            throw new Errors.StorageException(Errors.StorageErrorKind.CannotOpen, $"{fullPath} is a directory, not a database file; name the file itself (for example {Path.Combine(fullPath, DbFileName)}), or move the directory aside.");
        }

        if (!File.Exists(fullPath))
        {
            try
            {
                // SQLite would create the file with the umask's mode; create it first, owner-only.
                using var stream = new FileStream(fullPath, new FileStreamOptions
                {
                    Mode = System.IO.FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = FileMode,
                });
            }
            catch (IOException) when (File.Exists(fullPath))
            {
                // Another process created it first; that is the same outcome.
            }
        }
    }

    /// <summary>Creates the missing directories above <paramref name="filePath"/>, owner-only (0700). Host role only.</summary>
    public static void EnsureParentDirectory(string filePath)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(filePath)) is { } directory)
        {
            CreateMissingDirectories(directory);
        }
    }

    private static void CreateMissingDirectories(string directory)
    {
        // Directory.CreateDirectory(path, mode) applies the mode to the leaf only; every
        // directory the host creates must be owner-only, so create them one by one from the top.
        var missing = new System.Collections.Generic.Stack<string>();
        for (string? current = directory; current is not null && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Push(current);
        }

        while (missing.Count > 0)
        {
            Directory.CreateDirectory(missing.Pop(), DirectoryMode);
        }
    }
}
