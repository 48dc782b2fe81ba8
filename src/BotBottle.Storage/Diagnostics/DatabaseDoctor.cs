using System.Data.Common;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Sql;

namespace BotBottle.Storage.Diagnostics;

/// <summary>
/// Everything that decides whether the store is safe to use at a path: placement, filesystem,
/// mount layout, access, permissions, journal mode, schema and integrity. It changes nothing: the
/// database is opened read-only (<see cref="BotBottleDatabase.OpenReadOnly"/>), never created,
/// migrated or switched to WAL, so a database in the wrong journal mode is reported, not fixed.
/// </summary>
public static class DatabaseDoctor
{
    /// <summary>Diagnoses the database at <paramref name="path"/>, as the host or as a sidecar sees it.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="asSidecar">Check the sidecar's layout (a mounted directory) instead of the host's (a private one).</param>
    public static IReadOnlyList<DoctorCheck> Examine(string path, bool asSidecar)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = Path.GetFullPath(path);
        var results = new List<DoctorCheck>();
        string directory = Path.GetDirectoryName(path)!;
        IReadOnlyList<MountEntry>? mounts = File.Exists(MountTable.MountInfoPath) ? MountTable.Read() : null;

        results.Add(Check("placement", () =>
        {
            PlacementGuard.Check(path, mounts);
            return path;
        }));

        MountEntry? owner = mounts is null ? null : MountTable.Owner(mounts, path);
        results.Add(owner is null
            ? new("filesystem", true, "no mount table on this OS; assuming a local filesystem")
            : new("filesystem", PlacementGuard.LocalFilesystems.Contains(owner.FilesystemType), $"{owner.FilesystemType} (mounted at {owner.MountPoint})"));
        results.Add(asSidecar ? SidecarMountLayout(directory, mounts) : HostDirectoryLayout(path, directory));

        bool exists = File.Exists(path);
        results.Add(new("database file", exists, exists ? path : $"no database at {path}" + (asSidecar ? "; the host creates it" : "; 'db migrate' creates it")));
        if (!exists)
        {
            return results;
        }

        string identity = $"uid {PosixAccess.EffectiveUserId}, gid {PosixAccess.EffectiveGroupId}";
        bool writable = PosixAccess.CanWriteDirectory(directory) && PosixAccess.CanReadWrite(path);
        results.Add(new("access", writable, writable
            ? $"{identity} can write the database and create its -wal/-shm files"
            : owner is { ReadOnly: true }
                ? $"{directory} is on a read-only mount ({owner.MountPoint}); mount the host's database directory read-write (no ':ro' or 'readonly' on the volume)"
                : $"{identity} cannot write {path} or create files in {directory}; run as the host user (the image's UID/GID build arguments)"));

        if (!asSidecar)
        {
            UnixFileMode directoryMode = File.GetUnixFileMode(directory), fileMode = File.GetUnixFileMode(path);
            bool private0700 = (directoryMode & ~HostPaths.DirectoryMode) == 0 && (fileMode & ~HostPaths.FileMode) == 0;
            results.Add(new("permissions", private0700, $"directory {Octal(directoryMode)}, file {Octal(fileMode)}" + (private0700 ? string.Empty : " — expected 0700 and 0600: the queue and audit log are the operator's")));
        }

        BotBottleDatabase database = BotBottleDatabase.OpenReadOnly(path);
        DoctorCheck opened = Check("open", () =>
        {
            database.Read(static connection => SqlRegistry.Scalar<long>(connection, null, MigrationSql.SelectUserVersion));
            return "opened read-only";
        });
        results.Add(opened);
        if (!opened.Ok)
        {
            return results;
        }

        results.Add(Check("disk space", () =>
        {
            long reserve = database.Read(static connection => LimitsStore.Read(connection, null)).FreeSpaceReserveBytes;
            return FreeSpace.AvailableBytes(path) is not { } available
                ? "not measurable here"
                : available >= reserve
                    ? $"{Mib(available)} MiB free; agents' proposals stop at the host's reserve of {Mib(reserve)} MiB"
                    : throw new StorageException(StorageErrorKind.DiskFull, $"{Mib(available)} MiB free, below the host's reserve of {Mib(reserve)} MiB: agents' proposals are refused and the sidecar reports unhealthy until space is freed; the operator can still answer");
        }));

        results.Add(Check("journal mode", () =>
        {
            string mode = database.Read(static connection => SqlRegistry.Scalar<string>(connection, null, DatabaseSql.SelectJournalMode) ?? "unknown");
            return mode == "wal"
                ? "wal"
                : throw new StorageException(StorageErrorKind.CannotOpen, $"journal mode is {mode}, not wal: host and sidecars would not see each other's writes safely. Any host command (for example 'bot-bottle-sidecar db migrate') switches it to WAL; doctor changes nothing.");
        }));
        var migrator = new Migrator(database);
        results.Add(Check("schema", () =>
        {
            migrator.EnsureCompatible();
            MigrationReport report = migrator.GetReport();
            return $"version {report.UserVersion}; {report.Migrations.Count(static m => m.State == MigrationState.Applied)} migrations applied, none changed or missing";
        }));
        results.Add(Check("integrity", () =>
        {
            IReadOnlyList<string> lines = database.CheckIntegrity();
            return lines is ["ok"] ? "ok" : throw new StorageException(StorageErrorKind.Corrupt, string.Join("; ", lines.Take(5)));
        }));

        // Polling is a working fallback, so it is reported, not failed.
        WaitMode waits = WaitMode.For(path);
        results.Add(new("waits", true, waits.ToString()));
        return results;
    }

    private static DoctorCheck SidecarMountLayout(string directory, IReadOnlyList<MountEntry>? mounts)
    {
        bool mounted = mounts?.Any(m => m.MountPoint == directory) ?? false;
        return new("mount layout", mounted, mounted ? $"{directory} is a mount of the host's database directory" : $"{directory} is not a mount; mount the host's ~/.bot-bottle/db there");
    }

    private static DoctorCheck HostDirectoryLayout(string path, string directory)
    {
        string[] others = Directory.Exists(directory)
            ? Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Where(n => n is not null && !n.StartsWith(Path.GetFileName(path), StringComparison.Ordinal)).Select(static n => n!).ToArray()
            : [];
        return new("mount layout", others.Length == 0, others.Length == 0
            ? $"{directory} holds only the database (safe to mount into sidecars)"
            : $"{directory} also holds {string.Join(", ", others.Take(5))}; sidecars mount this directory, so keep other files out");
    }

    private static DoctorCheck Check(string name, Func<string> check)
    {
        try
        {
            return new(name, true, check());
        }
        catch (StorageException exception)
        {
            return new(name, false, exception.Message);
        }
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8);
}
