using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

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

    /// <summary>
    /// The file whose disk must keep the free-space reserve, or null where a server keeps its own
    /// disk (fleet mode): new proposals are refused below the reserve only where it is measurable.
    /// </summary>
    string? ReservedDiskPath { get; }

    /// <summary>
    /// Whether the server is the boundary (fleet mode's PostgreSQL, migration 0010): it admits
    /// proposals (rules, caps, rate bucket, id and time), numbers and chains audit entries under its
    /// own lock, and lets a broker write only through its functions, so the store asks it instead of
    /// writing those rows itself. Where false (SQLite), the store applies every rule inside its write
    /// transaction: the file's permissions keep every other writer out.
    /// </summary>
    bool ServerKeepsRules { get; }

    /// <summary>
    /// Throws when the data is gone for good (a SQLite file deleted, moved or unmounted: pooled
    /// connections would keep reading the deleted inode). A server has nothing to check here.
    /// </summary>
    /// <exception cref="StorageException">CannotOpen, naming what vanished.</exception>
    void ThrowIfGone();

    /// <summary>
    /// Whether <paramref name="exception"/> means the data is only away for now (a server restarting
    /// or out of reach), so a watch waits for the change signal's reconnect instead of ending.
    /// </summary>
    bool IsAwayForNow(StorageException exception);

    /// <summary>
    /// Waits until the proposal has a response, however this engine learns of commits. The caller
    /// has checked that the proposal exists and that <paramref name="timeout"/> is valid.
    /// </summary>
    /// <returns>The response, or null when <paramref name="timeout"/> passed first.</returns>
    Task<Response?> WaitForResponseAsync(string proposalId, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="read"/> on a connection without a write transaction. Callers that want a
    /// result use <see cref="StoreDatabaseCalls.Read"/>: a generic method here would be a generic
    /// virtual one, which NativeAOT resolves through its type loader on the first call of every
    /// process (about 90,000 instructions each, profiled in bot-bottle-propose).
    /// </summary>
    void InReadConnection(Action<DbConnection> read);

    /// <summary>Runs <paramref name="write"/> in one write transaction, committed when it returns; writers queue one at a time (see <see cref="StoreDatabaseCalls.Write"/>).</summary>
    void InWriteTransaction(Action<DbConnection, DbTransaction> write);

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

    /// <summary>
    /// Completes at the next change that may concern <paramref name="proposalId"/> (or a reason for
    /// everyone to re-check); an engine that cannot tell which row changed completes it at every change.
    /// </summary>
    Task NextChangeTo(string proposalId);

    /// <summary>Keeps the signal running while the lease is held.</summary>
    IDisposable Register();
}

/// <summary>The store's calls that return a result, over <see cref="IStoreDatabase"/>'s non-generic ones.</summary>
internal static class StoreDatabaseCalls
{
    /// <summary>Runs <paramref name="read"/> on a connection without a write transaction and returns what it returns.</summary>
    public static T Read<T>(this IStoreDatabase database, Func<DbConnection, T> read)
    {
        T result = default!;
        database.InReadConnection(connection => result = read(connection));
        return result;
    }

    /// <summary>An engine's own connection type for <paramref name="action"/>, as a function its generic Read takes.</summary>
    public static Func<TConnection, int> Returning<TConnection>(Action<TConnection> action) => connection =>
    {
        action(connection);
        return 0;
    };

    /// <summary>An engine's own connection and transaction types for <paramref name="action"/>, as a function its generic Write takes.</summary>
    public static Func<TConnection, TTransaction, int> Returning<TConnection, TTransaction>(Action<TConnection, TTransaction> action) => (connection, transaction) =>
    {
        action(connection, transaction);
        return 0;
    };

    /// <summary>Runs <paramref name="write"/> in one write transaction, committed when it returns, and returns what it returns.</summary>
    public static T Write<T>(this IStoreDatabase database, Func<DbConnection, DbTransaction, T> write)
    {
        T result = default!;
        database.InWriteTransaction((connection, transaction) => result = write(connection, transaction));
        return result;
    }
}
