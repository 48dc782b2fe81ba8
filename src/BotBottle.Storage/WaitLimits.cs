using System;

namespace BotBottle.Storage;

/// <summary>Bounds on how long anything waits for the operator, shared by every door.</summary>
public static class WaitLimits
{
    /// <summary>The longest finite wait: a year (<c>propose --timeout</c>, the broker's timeout_ms).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(365);
}
