namespace BotBottle.Storage.Database;

/// <summary>
/// A database as the stores take it, whichever engine holds it: a host's SQLite file
/// (<see cref="BotBottleDatabase"/>) or fleet mode's PostgreSQL (<see cref="PostgresDatabase"/>).
/// <see cref="Stores"/> opens the right one for a location; every store takes either.
/// </summary>
public abstract class StoreDatabase
{
    private protected StoreDatabase()
    {
    }

    /// <summary>What the stores need of the engine.</summary>
    internal abstract IStoreDatabase Engine { get; }
}
