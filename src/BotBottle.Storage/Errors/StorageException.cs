using System;

namespace BotBottle.Storage.Errors;

/// <summary>
/// Every failure the stores report. <see cref="Kind"/> says what happened; the message says
/// what to do next.
/// </summary>
public class StorageException : Exception
{
    /// <summary>Creates an error of <paramref name="kind"/>.</summary>
    public StorageException(StorageErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Creates an internal error; prefer the constructor that names a kind.</summary>
    public StorageException()
        : this(StorageErrorKind.Internal, "A storage error occurred.")
    {
    }

    /// <summary>Creates an internal error; prefer the constructor that names a kind.</summary>
    public StorageException(string message)
        : this(StorageErrorKind.Internal, message)
    {
    }

    /// <summary>Creates an internal error; prefer the constructor that names a kind.</summary>
    public StorageException(string message, Exception innerException)
        : this(StorageErrorKind.Internal, message, innerException)
    {
    }

    /// <summary>What went wrong.</summary>
    public StorageErrorKind Kind { get; }
}
