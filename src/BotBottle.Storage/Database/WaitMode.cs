namespace BotBottle.Storage.Database;

/// <summary>
/// How a process's waits learn that the database changed: <c>inotify</c> (they block on the kernel,
/// and cost nothing while nobody writes) or <c>polling</c> (data_version, backing off to every
/// 100 ms), with the reason notifications are not used. <c>doctor</c> and the logs print it.
/// </summary>
public sealed record WaitMode(string Name, string Detail)
{
    internal static WaitMode Inotify(string databasePath)
        => new("inotify", $"waits block on inotify for writes to {System.IO.Path.GetFileName(databasePath)}-wal, and re-check every {DataChangeWatcher.DefaultSafetyInterval.TotalSeconds:0.#} s");

    internal static WaitMode Polling(string reason)
        => new("polling", $"waits poll data_version, backing off to every {DataChangeWatcher.PollIdleInterval.TotalMilliseconds:0} ms: {reason}");

    /// <summary>What waits on <paramref name="databasePath"/> use in this process.</summary>
    public static WaitMode For(string databasePath) => DataChangeWatcher.Probe(databasePath);

    /// <summary>"name (detail)", as doctor prints it.</summary>
    public override string ToString() => $"{Name} ({Detail})";
}
