using System;

namespace BotBottle.Storage.Database;

/// <summary>
/// The kernel telling a waiting thread that something in the database's directory was written, by
/// whichever process and through whichever mount of the directory. dnotify where the kernel has it,
/// else inotify (<see cref="DnotifyNotifications"/> says why in that order); Linux only. A report is
/// a hint: the caller reads data_version to learn whether a commit happened. Used by one thread.
/// </summary>
internal abstract class DirectoryNotifications : IDisposable
{
    /// <summary>"dnotify" or "inotify", as doctor and the logs print it.</summary>
    public abstract string Name { get; }

    /// <summary>Set once the directory was deleted or moved: open a new watch to keep receiving events.</summary>
    public bool WatchLost { get; protected set; }

    /// <summary>
    /// Watches the directory of <paramref name="databasePath"/> from the calling thread, which must be
    /// the one that calls <see cref="Wait"/>; or returns null and why it cannot.
    /// </summary>
    /// <param name="databasePath">The database file.</param>
    /// <param name="inotifyOnly">Skip dnotify (BOTBOTTLE_CHANGE_NOTIFICATIONS=inotify, and tests of the fallback).</param>
    /// <param name="problem">Why there are no notifications, when null is returned.</param>
    public static DirectoryNotifications? TryOpen(string databasePath, bool inotifyOnly, out string? problem)
    {
        if (!OperatingSystem.IsLinux())
        {
            problem = "change notifications are implemented for Linux (dnotify, inotify) only";
            return null;
        }

        string? dnotifyProblem = null;
        if (!inotifyOnly && DnotifyNotifications.TryOpen(databasePath, out dnotifyProblem) is { } dnotify)
        {
            problem = null;
            return dnotify;
        }

        DirectoryNotifications? inotify = InotifyNotifications.TryOpen(databasePath, out problem);
        if (inotify is null && dnotifyProblem is not null)
        {
            problem = dnotifyProblem + "; " + problem;
        }

        return inotify;
    }

    /// <summary>
    /// Blocks up to <paramref name="timeoutMs"/> for a write. True when one may concern the database
    /// (or events may have been lost, or the directory was replaced); false on a timeout or only
    /// unrelated events.
    /// </summary>
    public abstract bool Wait(int timeoutMs);

    /// <inheritdoc />
    public abstract void Dispose();
}
