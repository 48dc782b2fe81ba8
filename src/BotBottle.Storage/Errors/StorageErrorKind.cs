namespace BotBottle.Storage.Errors;

/// <summary>
/// What went wrong, in terms a caller can act on. The CLI maps each kind to an exit code and
/// the C ABI to an error code, so values are stable: add new kinds at the end.
/// </summary>
public enum StorageErrorKind
{
    /// <summary>An argument is empty, malformed, too large or out of range; nothing was written.</summary>
    InvalidArgument = 1,

    /// <summary>The proposal (or other row) named does not exist.</summary>
    NotFound = 2,

    /// <summary>The proposal already has a response; a decision is written once.</summary>
    AlreadyAnswered = 3,

    /// <summary>The write conflicts with existing state (a duplicate id, an archived proposal).</summary>
    Conflict = 4,

    /// <summary>Another process held the write lock longer than the busy timeout.</summary>
    Busy = 5,

    /// <summary>The database or its directory is read-only to this process.</summary>
    ReadOnly = 6,

    /// <summary>The disk (or quota) is full; the write was rolled back.</summary>
    DiskFull = 7,

    /// <summary>The file is not a SQLite database, or it is damaged.</summary>
    Corrupt = 8,

    /// <summary>The database file could not be opened or created.</summary>
    CannotOpen = 9,

    /// <summary>The operating system reported an I/O error.</summary>
    Io = 10,

    /// <summary>This role may not perform the operation.</summary>
    Denied = 11,

    /// <summary>The schema does not match this binary; see <see cref="Migrations.MigrationException"/>.</summary>
    Schema = 12,

    /// <summary>An unexpected SQLite error.</summary>
    Internal = 13,

    /// <summary>The database is placed where writes could be lost (single-file mount, network or VM filesystem, missing mount); nothing was touched.</summary>
    UnsafePlacement = 14,

    /// <summary>
    /// A cap the host set refused the write (pending proposals or bytes per bottle, proposal rate,
    /// free-space reserve); nothing was written. Waiting for the operator, or for time to pass, lifts it.
    /// </summary>
    LimitReached = 15,

    /// <summary>A library the operation needs is not installed (OpenSSL's libssl, for SHA-256 on Linux); nothing was written.</summary>
    MissingDependency = 16,
}
