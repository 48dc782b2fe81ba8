using System;
using System.Globalization;
using System.Threading;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage;

/// <summary>
/// How long anything may wait for the operator: from zero to a year, or without a limit. Every door
/// (propose --timeout, the broker's timeout_ms on either side, the store's waits) converts its own
/// unit and asks this one rule.
/// </summary>
public static class WaitLimits
{
    /// <summary>The longest finite wait: a year.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(365);

    /// <summary>
    /// <paramref name="timeout"/> when it is zero to <see cref="MaxWait"/> or <see cref="Timeout.InfiniteTimeSpan"/>;
    /// otherwise InvalidArgument naming <paramref name="field"/>.
    /// </summary>
    public static TimeSpan Check(TimeSpan timeout, string field = "timeout")
        => timeout == Timeout.InfiniteTimeSpan || (timeout >= TimeSpan.Zero && timeout <= MaxWait) ? timeout : throw Refusal(field);

    /// <summary>Seconds as a command line gives them (null: no limit), checked.</summary>
    public static TimeSpan FromSeconds(double? seconds, string field)
        => seconds is null ? Timeout.InfiniteTimeSpan
            : double.IsFinite(seconds.Value) && seconds.Value >= 0 && seconds.Value <= MaxWait.TotalSeconds ? TimeSpan.FromSeconds(seconds.Value)
            : throw Refusal(field);

    /// <summary>Milliseconds as the broker's wire carries them (-1: no limit), checked.</summary>
    public static TimeSpan FromMilliseconds(long milliseconds, string field)
        => milliseconds == -1 ? Timeout.InfiniteTimeSpan
            : milliseconds >= 0 && milliseconds <= (long)MaxWait.TotalMilliseconds ? TimeSpan.FromMilliseconds(milliseconds)
            : throw Refusal(field);

    /// <summary>A checked wait as the broker's wire carries it: whole milliseconds, rounded up; -1 for no limit.</summary>
    public static long ToMilliseconds(TimeSpan timeout)
        => Check(timeout) == Timeout.InfiniteTimeSpan ? -1 : (long)Math.Ceiling(timeout.TotalMilliseconds);

    private static StorageException Refusal(string field)
        => new(StorageErrorKind.InvalidArgument, $"{field} must be from 0 to {Describe(field)} (a year), or no limit.");

    /// <summary>The year in the unit <paramref name="field"/> is given in.</summary>
    private static string Describe(string field)
        => field.EndsWith("_ms", StringComparison.Ordinal) ? ((long)MaxWait.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + " ms"
            : field.StartsWith("--", StringComparison.Ordinal) ? ((long)MaxWait.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " seconds"
            : MaxWait.ToString("c", CultureInfo.InvariantCulture);
}
