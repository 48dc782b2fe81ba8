namespace BotBottle.Storage.Database;

/// <summary>
/// How a process's waits learn that the database changed: <c>dnotify</c> or <c>inotify</c> (they
/// block on the kernel, and cost nothing while nobody writes) or <c>polling</c> (data_version, backing off to every
/// 100 ms), with the reason notifications are not used; in fleet mode <c>notify</c> (LISTEN/NOTIFY).
/// <c>doctor</c> and the logs print it.
/// </summary>
public sealed record WaitMode(string Name, string Detail)
{
    internal static WaitMode Notifications(string name, string databasePath)
        => new(name, $"waits block on {name} for writes to {System.IO.Path.GetFileName(databasePath)}-wal, and re-check every {DataChangeWatcher.DefaultSafetyInterval.TotalSeconds:0.#} s");

    internal static WaitMode Polling(string reason)
        => new("polling", $"waits poll data_version, backing off to every {DataChangeWatcher.PollIdleInterval.TotalMilliseconds:0} ms: {reason}");

    internal static WaitMode Notify(string database)
        => new("notify", $"waits block on LISTEN {PostgresChangeListener.Channel} on {database}, reconnect when the connection drops, and re-check every {PostgresChangeListener.SafetyInterval.TotalSeconds:0.#} s");

    /// <summary>What waits on <paramref name="databasePath"/> use in this process.</summary>
    public static WaitMode For(string databasePath) => DataChangeWatcher.Probe(databasePath);

    /// <summary>"name (detail)", as doctor prints it.</summary>
    public override string ToString() => $"{Name} ({Detail})";
}
