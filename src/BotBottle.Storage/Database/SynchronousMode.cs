namespace BotBottle.Storage.Database;

/// <summary>SQLite's <c>PRAGMA synchronous</c> setting for WAL mode.</summary>
public enum SynchronousMode
{
    /// <summary>
    /// Durable across application crashes; a power loss may roll back the last commits but never
    /// corrupts the database. The default.
    /// </summary>
    Normal = 0,

    /// <summary>Every commit is fsynced before it returns; survives power loss at a write-latency cost.</summary>
    Full = 1,
}
