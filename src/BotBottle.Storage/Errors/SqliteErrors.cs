using System;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Errors;

/// <summary>Translates SQLite result codes into <see cref="StorageException"/> in one place.</summary>
internal static class SqliteErrors
{
    // Primary result codes from sqlite3.h; the extended code's low byte is the primary code.
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoErr = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Constraint = 19;

    // SQLITE_CONSTRAINT_TRIGGER: a trigger's RAISE; ours refuse a role's write (migration 0007).
    private const int ConstraintTrigger = Constraint | (7 << 8);
    private const int Auth = 23;
    private const int NotADb = 26;

    public static StorageException Translate(SqliteException exception, string path)
    {
        int primary = exception.SqliteErrorCode & 0xFF;
        string detail = exception.Message;

        // Growing the WAL or -shm on a full disk surfaces as SQLITE_IOERR rather than SQLITE_FULL;
        // the user needs to hear "disk full", so look at the filesystem before calling it I/O.
        if (primary == IoErr && IsNearlyFull(path))
        {
            primary = Full;
        }

        if (exception.SqliteExtendedErrorCode == ConstraintTrigger)
        {
            return new StorageException(StorageErrorKind.Denied, $"This role may not do that on {path}: {detail}", exception);
        }

        return primary switch
        {
            Busy or Locked => new StorageException(StorageErrorKind.Busy, $"The database {path} stayed locked by another process for longer than the busy timeout; retry, or find the process holding it. ({detail})", exception),
            ReadOnly => new StorageException(StorageErrorKind.ReadOnly, $"The database {path} is read-only to this process; check the file and directory permissions and that the mount is writable. ({detail})", exception),
            Full => new StorageException(StorageErrorKind.DiskFull, $"The disk holding {path} is full; nothing was written. Free space and retry. ({detail})", exception),
            Corrupt or NotADb => new StorageException(StorageErrorKind.Corrupt, $"{path} is not a usable bot-bottle database (damaged or not SQLite); move it aside and restore a backup. ({detail})", exception),
            CantOpen => new StorageException(StorageErrorKind.CannotOpen, $"Cannot open the database {path}; check that the directory exists and is writable, and that the path is not a directory. ({detail})", exception),
            IoErr => new StorageException(StorageErrorKind.Io, $"I/O error on {path}; check the disk and the filesystem. ({detail})", exception),
            Auth => new StorageException(StorageErrorKind.Denied, $"This role may not do that on {path}. ({detail})", exception),
            Constraint => new StorageException(StorageErrorKind.Conflict, $"The write violates a constraint of {path}; nothing was written. ({detail})", exception),
            _ => new StorageException(StorageErrorKind.Internal, $"SQLite error on {path}: {detail}", exception),
        };
    }

    private static bool IsNearlyFull(string path)
    {
        try
        {
            string full = System.IO.Path.GetFullPath(path);
            System.IO.DriveInfo? owner = null;
            foreach (System.IO.DriveInfo drive in System.IO.DriveInfo.GetDrives())
            {
                string root = drive.RootDirectory.FullName.TrimEnd('/');
                if ((root.Length == 0 || full.StartsWith(root + "/", StringComparison.Ordinal)) && (owner is null || root.Length > owner.RootDirectory.FullName.TrimEnd('/').Length))
                {
                    owner = drive;
                }
            }

            return owner is not null && owner.AvailableFreeSpace < 256 * 1024;
        }
        catch (Exception exception) when (exception is System.IO.IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
