using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using BotBottle.Storage;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Migrations;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>doctor</c>: checks everything that decides whether the store is safe to use here.</summary>
internal static class DoctorCommand
{
    public static Command Build(CliContext cli)
    {
        var sidecar = new Option<bool>("--sidecar") { Description = "Check as a sidecar sees it (/run/supervise/bot-bottle.db, mounted from the host, or the host broker's socket when it exists) instead of the host's database." };
        Option<string?> socket = CommonOptions.Socket();
        var slug = new Option<string?>("--slug") { Description = "With --sidecar on a VM backend: the bottle this sidecar serves, to check that the broker serves it." };
        var command = new Command("doctor", "Check the database's placement, filesystem, mount layout, owner and permissions, journal mode, schema and integrity (or, for a sidecar behind a host broker, that the broker answers for its bottle): one line each, exit 0 only when all pass. Changes nothing.") { sidecar, socket, slug };
        command.SetAction(parse =>
        {
            bool asSidecar = parse.GetValue(sidecar);
            string? socketPath = parse.GetValue(socket) ?? (asSidecar && parse.GetValue(CommonOptions.Db) is null && File.Exists(HostPaths.BrokerSocketInContainer) ? HostPaths.BrokerSocketInContainer : null);
            List<(string Check, bool Ok, string Detail)> results = socketPath is not null
                ? [CheckBroker(socketPath, parse.GetValue(slug))]
                : Run(Path.GetFullPath(asSidecar ? CommonOptions.SidecarDbPath(parse) : CommonOptions.HostDbPath(parse)), asSidecar);
            int width = results.Max(static r => r.Check.Length);
            foreach ((string check, bool ok, string detail) in results)
            {
                cli.Output.WriteLine($"{check.PadRight(width)}  {(ok ? "ok  " : "FAIL")}  {detail}");
            }

            return results.All(static r => r.Ok) ? ExitCodes.Success : ExitCodes.Internal;
        });
        return command;
    }

    /// <summary>Behind a broker the database is the host's and never opened here: what matters is that the broker answers for this bottle.</summary>
    private static (string, bool, string) CheckBroker(string socketPath, string? slug)
        => slug is null
            ? ("broker", false, $"{socketPath} is present, so this sidecar uses the host broker; pass --slug to check that it serves this bottle")
            : Check("broker", () =>
            {
                Broker.BrokerClient.Connect(socketPath, slug);
                return $"{socketPath} answers for bottle {slug}; the database is the host's and is not opened here";
            });

    private static List<(string, bool, string)> Run(string path, bool asSidecar)
    {
        var results = new List<(string, bool, string)>();
        string directory = Path.GetDirectoryName(path)!;
        IReadOnlyList<MountEntry>? mounts = File.Exists(MountTable.MountInfoPath) ? MountTable.Read() : null;

        results.Add(Check("placement", () =>
        {
            PlacementGuard.Check(path, mounts);
            return path;
        }));

        MountEntry? owner = mounts is null ? null : MountTable.Owner(mounts, path);
        results.Add(owner is null
            ? ("filesystem", true, "no mount table on this OS; assuming a local filesystem")
            : ("filesystem", PlacementGuard.LocalFilesystems.Contains(owner.FilesystemType), $"{owner.FilesystemType} (mounted at {owner.MountPoint})"));

        if (asSidecar)
        {
            bool mounted = mounts?.Any(m => m.MountPoint == directory) ?? false;
            results.Add(("mount layout", mounted, mounted ? $"{directory} is a mount of the host's database directory" : $"{directory} is not a mount; mount the host's ~/.bot-bottle/db there"));
        }
        else
        {
            string[] others = Directory.Exists(directory)
                ? Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Where(n => n is not null && !n.StartsWith(Path.GetFileName(path), StringComparison.Ordinal)).Select(static n => n!).ToArray()
                : [];
            results.Add(("mount layout", others.Length == 0, others.Length == 0
                ? $"{directory} holds only the database (safe to mount into sidecars)"
                : $"{directory} also holds {string.Join(", ", others.Take(5))}; sidecars mount this directory, so keep other files out"));
        }

        bool exists = File.Exists(path);
        results.Add(("database file", exists, exists ? path : $"no database at {path}" + (asSidecar ? "; the host creates it" : "; 'db migrate' creates it")));
        if (!exists)
        {
            return results;
        }

        string identity = $"uid {PosixAccess.EffectiveUserId}, gid {PosixAccess.EffectiveGroupId}";
        bool writable = PosixAccess.CanWriteDirectory(directory) && PosixAccess.CanReadWrite(path);
        results.Add(("access", writable, writable
            ? $"{identity} can write the database and create its -wal/-shm files"
            : $"{identity} cannot write {path} or create files in {directory}; run as the host user (the image's UID/GID build arguments)"));

        if (!asSidecar && !OperatingSystem.IsWindows())
        {
            UnixFileMode directoryMode = File.GetUnixFileMode(directory), fileMode = File.GetUnixFileMode(path);
            bool private0700 = (directoryMode & ~HostPaths.DirectoryMode) == 0 && (fileMode & ~HostPaths.FileMode) == 0;
            results.Add(("permissions", private0700, $"directory {Octal(directoryMode)}, file {Octal(fileMode)}" + (private0700 ? string.Empty : " — expected 0700 and 0600: the queue and audit log are the operator's")));
        }

        BotBottleDatabase? database = null;
        results.Add(Check("open", () =>
        {
            database = BotBottleDatabase.OpenHost(path, migrate: false, create: false);
            return "opened";
        }));
        if (database is null)
        {
            return results;
        }

        results.Add(Check("journal mode", () =>
        {
            using Microsoft.Data.Sqlite.SqliteConnection connection = database.OpenConnection();
            string mode = Storage.Sql.SqlRegistry.Scalar<string>(connection, null, Storage.Sql.SqlRegistry.SelectJournalMode) ?? "unknown";
            return mode == "wal" ? "wal" : throw new StorageException(StorageErrorKind.CannotOpen, $"journal mode is {mode}, not wal");
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
        return results;
    }

    private static (string, bool, string) Check(string name, Func<string> check)
    {
        try
        {
            return (name, true, check());
        }
        catch (StorageException exception)
        {
            return (name, false, exception.Message);
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8);
}
