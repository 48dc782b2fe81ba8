using BotBottle.Storage.Errors;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// Process exit codes. Stable: scripts and other sidecars branch on them, and the README and
/// every command's --help list them.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Internal = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Conflict = 4;
    public const int Busy = 5;
    public const int Schema = 6;
    public const int Unavailable = 7;
    public const int Denied = 8;
    public const int UnsafePlacement = 9;
    public const int Rejected = 10;
    public const int Pending = 11;
    public const int AuditBroken = 12;
    public const int LimitReached = 13;
    public const int MissingDependency = 14;
    public const int DoctorFailed = 15;

    /// <summary>The table printed by --help and the README.</summary>
    public const string Help = """
        Exit codes:
          0   success (propose --wait: approved or modified)
          1   unexpected internal error
          2   usage error: unknown command or option, missing or invalid value
          3   not found (no such proposal)
          4   conflict (already answered, archived, duplicate id)
          5   database busy: another process held the lock past the 5 s busy timeout
          6   schema refused (edited or unknown migrations, or the database needs 'db migrate')
          7   database unavailable (cannot open, read-only, disk full, corrupt, I/O error)
          8   denied to this role
          9   unsafe database placement (single-file mount, network/VM filesystem, directory not mounted)
          10  propose --wait: rejected
          11  propose --wait: still pending when --timeout passed
          12  audit verify: the audit log's hash chain is broken (edited, deleted or reordered entries)
          13  refused by a limit the host set (pending proposals or bytes per bottle, rate, disk reserve)
          14  a library the command needs is missing (OpenSSL's libssl3 for SHA-256 on Linux; libe_sqlite3 beside the executable)
          15  doctor: a check failed
        """;

    public static int For(StorageErrorKind kind) => kind switch
    {
        StorageErrorKind.InvalidArgument => Usage,
        StorageErrorKind.NotFound => NotFound,
        StorageErrorKind.AlreadyAnswered or StorageErrorKind.Conflict => Conflict,
        StorageErrorKind.Busy => Busy,
        StorageErrorKind.Schema => Schema,
        StorageErrorKind.ReadOnly or StorageErrorKind.DiskFull or StorageErrorKind.Corrupt or StorageErrorKind.CannotOpen or StorageErrorKind.Io => Unavailable,
        StorageErrorKind.Denied => Denied,
        StorageErrorKind.UnsafePlacement => UnsafePlacement,
        StorageErrorKind.LimitReached => LimitReached,
        StorageErrorKind.MissingDependency => MissingDependency,
        _ => Internal,
    };
}
