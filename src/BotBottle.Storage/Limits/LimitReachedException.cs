using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Limits;

/// <summary>A write refused by one of the host's caps (<see cref="StorageErrorKind.LimitReached"/>); nothing was written.</summary>
public sealed class LimitReachedException : StorageException
{
    /// <summary>Creates the refusal for the cap named <paramref name="limit"/>.</summary>
    public LimitReachedException(string limit, string message)
        : base(StorageErrorKind.LimitReached, message)
    {
        Limit = limit;
    }

    /// <summary>Creates a refusal without naming the cap; prefer the constructor that does.</summary>
    public LimitReachedException()
        : this("unknown", "A limit the host set refused the write.")
    {
    }

    /// <summary>Creates a refusal without naming the cap; prefer the constructor that does.</summary>
    public LimitReachedException(string message)
        : this("unknown", message)
    {
    }

    /// <summary>Creates a refusal without naming the cap; prefer the constructor that does.</summary>
    public LimitReachedException(string message, System.Exception innerException)
        : base(StorageErrorKind.LimitReached, message, innerException)
    {
        Limit = "unknown";
    }

    /// <summary>The cap that refused, as <see cref="SuperviseLimits.Definitions"/> names it.</summary>
    public string Limit { get; }
}
