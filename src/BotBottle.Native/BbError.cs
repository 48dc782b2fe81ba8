using BotBottle.Storage.Errors;

namespace BotBottle.Native;

/// <summary>The C ABI's error codes (bb_error in bot_bottle.h). 1-16 mirror StorageErrorKind.</summary>
internal enum BbError
{
    Ok = 0,
    InvalidArgument = 1,
    NotFound = 2,
    AlreadyAnswered = 3,
    Conflict = 4,
    Busy = 5,
    ReadOnly = 6,
    DiskFull = 7,
    Corrupt = 8,
    CannotOpen = 9,
    Io = 10,
    Denied = 11,
    Schema = 12,
    Internal = 13,
    UnsafePlacement = 14,
    LimitReached = 15,
    MissingDependency = 16,
    InvalidHandle = 20,
    Timeout = 21,
    Closed = 22,
}

internal static class BbErrors
{
    public static BbError From(StorageErrorKind kind) => kind switch
    {
        StorageErrorKind.InvalidArgument => BbError.InvalidArgument,
        StorageErrorKind.NotFound => BbError.NotFound,
        StorageErrorKind.AlreadyAnswered => BbError.AlreadyAnswered,
        StorageErrorKind.Conflict => BbError.Conflict,
        StorageErrorKind.Busy => BbError.Busy,
        StorageErrorKind.ReadOnly => BbError.ReadOnly,
        StorageErrorKind.DiskFull => BbError.DiskFull,
        StorageErrorKind.Corrupt => BbError.Corrupt,
        StorageErrorKind.CannotOpen => BbError.CannotOpen,
        StorageErrorKind.Io => BbError.Io,
        StorageErrorKind.Denied => BbError.Denied,
        StorageErrorKind.Schema => BbError.Schema,
        StorageErrorKind.UnsafePlacement => BbError.UnsafePlacement,
        StorageErrorKind.LimitReached => BbError.LimitReached,
        StorageErrorKind.MissingDependency => BbError.MissingDependency,
        _ => BbError.Internal,
    };
}
