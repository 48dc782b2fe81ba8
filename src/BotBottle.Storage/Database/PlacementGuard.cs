using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Database;

/// <summary>
/// Refuses database placements that lose writes, before any file is created or opened:
/// a database file bind-mounted on its own (SQLite keeps its -wal/-shm beside the path it opened,
/// so each side gets a private WAL), a filesystem that does not share POSIX locks and the -shm
/// mapping between kernels (network and VM filesystems), and the sidecar's path when the host's
/// database directory was never mounted there.
/// </summary>
internal static class PlacementGuard
{
    /// <summary>Local filesystems whose locks and shared memory work for every process on the kernel.</summary>
    public static readonly IReadOnlySet<string> LocalFilesystems = new HashSet<string>(StringComparer.Ordinal)
    {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "jfs", "reiserfs", "bcachefs", "nilfs2",
        "tmpfs", "ramfs", "overlay", "apfs", "hfs",
    };

    public static void Check(string dbPath) => Check(dbPath, File.Exists(MountTable.MountInfoPath) ? MountTable.Read() : null);

    /// <summary>The policy over a given mount table (null where the OS has none, as on macOS).</summary>
    public static void Check(string dbPath, IReadOnlyList<MountEntry>? mounts)
    {
        if (mounts is null)
        {
            // No mountinfo (macOS): hosts there use local APFS, and VM guests reach the DB through the broker.
            return;
        }

        string path = Path.GetFullPath(dbPath);
        if (mounts.Any(m => m.MountPoint == path))
        {
            throw Unsafe($"{path} is bind-mounted on its own. SQLite keeps its -wal and -shm files beside the path it opened, so the host and this process would each write a private WAL and lose each other's writes. Mount the database's directory instead (the host's ~/.bot-bottle/db at {Path.GetDirectoryName(path)}).");
        }

        string? directory = Path.GetDirectoryName(path);
        if (path == HostPaths.DbPathInContainer && directory is not null && !mounts.Any(m => m.MountPoint == directory))
        {
            throw Unsafe($"{directory} is not a mount: the host's database directory (~/.bot-bottle/db) was not mounted into this container. Add the mount (for example -v \"$HOME/.bot-bottle/db:{directory}\"), or pass --db for development.");
        }

        MountEntry? owner = MountTable.Owner(mounts, path);
        if (owner is not null && !LocalFilesystems.Contains(owner.FilesystemType))
        {
            throw Unsafe($"{path} is on a '{owner.FilesystemType}' filesystem (mounted at {owner.MountPoint}), which does not share SQLite's locks and -shm mapping between machines or VMs, so concurrent writers could corrupt it or lose writes. Keep the database on a local filesystem; for VM backends run 'bot-bottle-sidecar broker' on the host and let the sidecar use its socket.");
        }
    }

    private static StorageException Unsafe(string message) => new(StorageErrorKind.UnsafePlacement, message);
}
