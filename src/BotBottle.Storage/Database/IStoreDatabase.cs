using System;
using System.Threading.Tasks;
using System.Data.Common;

namespace BotBottle.Storage.Database;

/// <summary>
/// What a store needs of a database, whichever engine holds it: the embedded SQLite file
/// (<see cref="BotBottleDatabase"/>) or fleet mode's PostgreSQL (<see cref="PostgresDatabase"/>).
/// The stores keep every rule; the engine supplies connections, one write transaction at a time,
/// the dialect of each statement, and a signal that something changed.
/// </summary>
internal interface IStoreDatabase
{
    /// <summary>What connections may do: the host's (or an operator's) everything, or a sidecar's (or a broker's) little.</summary>
    DatabaseRole Role { get; }

    /// <summary>Where the data is, for messages: a file path, or <c>postgres://role@host:port/database</c>.</summary>
    string Description { get; }

    /// <summary>Whether statements run in their PostgreSQL dialect.</summary>
    bool IsPostgres { get; }

    /// <summary>Runs <paramref name="read"/> on a connection without a write transaction.</summary>
    T Read<T>(Func<DbConnection, T> read);

    /// <summary>Runs <paramref name="write"/> in one write transaction, committed when it returns; writers queue one at a time.</summary>
    T Write<T>(Func<DbConnection, DbTransaction, T> write);

    /// <summary>Whether writes would succeed now.</summary>
    StorageHealth CheckHealth();

    /// <summary>The process-wide signal that another connection committed a change.</summary>
    IChangeSignal Changes { get; }

    /// <summary>How waits learn of changes, for the log and doctor.</summary>
    WaitMode DescribeWaits();
}

/// <summary>Wakes waiters when the data may have changed; they re-read to learn what did.</summary>
internal interface IChangeSignal
{
    /// <summary>Completes at the next change (or a reason to re-check); take it before reading.</summary>
    Task NextChange { get; }

    /// <summary>Keeps the signal running while the lease is held.</summary>
    IDisposable Register();
}
