namespace BotBottle.Storage.Errors;

/// <summary>
/// Stable snake_case names for <see cref="StorageErrorKind"/>, for text an agent or a script
/// branches on (tool errors read "limit_reached: …"). Never rename one.
/// </summary>
public static class StorageErrorCodes
{
    /// <summary>The name of <paramref name="kind"/>, e.g. <c>limit_reached</c>.</summary>
    public static string Name(StorageErrorKind kind) => kind switch
    {
        StorageErrorKind.InvalidArgument => "invalid_argument",
        StorageErrorKind.NotFound => "not_found",
        StorageErrorKind.AlreadyAnswered => "already_answered",
        StorageErrorKind.Conflict => "conflict",
        StorageErrorKind.Busy => "busy",
        StorageErrorKind.ReadOnly => "read_only",
        StorageErrorKind.DiskFull => "disk_full",
        StorageErrorKind.Corrupt => "corrupt",
        StorageErrorKind.CannotOpen => "cannot_open",
        StorageErrorKind.Io => "io_error",
        StorageErrorKind.Denied => "denied",
        StorageErrorKind.Schema => "schema",
        StorageErrorKind.UnsafePlacement => "unsafe_placement",
        StorageErrorKind.LimitReached => "limit_reached",
        StorageErrorKind.MissingDependency => "missing_dependency",
        _ => "internal",
    };
}
