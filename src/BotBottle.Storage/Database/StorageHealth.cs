using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Database;

/// <summary>Whether a store can do its job now, and if not, why, in the words of the error it would give.</summary>
/// <param name="Ok">True when reads and writes would succeed.</param>
/// <param name="Kind">The error kind a write would fail with; null when <paramref name="Ok"/>.</param>
/// <param name="Problem">What is wrong and what to do; "ok" when <paramref name="Ok"/>.</param>
public sealed record StorageHealth(bool Ok, StorageErrorKind? Kind, string Problem)
{
    /// <summary>Healthy.</summary>
    public static StorageHealth Healthy { get; } = new(true, null, "ok");

    /// <summary>Unhealthy, as <paramref name="exception"/> says.</summary>
    public static StorageHealth From(StorageException exception)
    {
        System.ArgumentNullException.ThrowIfNull(exception);
        return new(false, exception.Kind, exception.Message);
    }
}
