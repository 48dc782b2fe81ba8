using System;
using System.Collections.Concurrent;
using System.Threading;
using BotBottle.Storage;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;

namespace BotBottle.Native;

/// <summary>An open database behind a bb_handle: the host's SQLite file, or fleet mode's PostgreSQL.</summary>
internal sealed class OpenDatabase(Stores stores)
{
    public QueueStore Queue => stores.Queue;

    public Storage.Bottles.BottleStore Bottles => stores.Bottles;

    public AuditStore Audit => stores.Audit;

    public OperatorDecisions Decisions => stores.Decisions;

    /// <summary>What bb_close releases: fleet mode's pool and listener (SQLite pools per file).</summary>
    public IDisposable Connections => stores;

    /// <summary>Cancelled by bb_close: interrupts every wait on this handle. Never disposed, as waits may still hold it.</summary>
    public CancellationTokenSource Closing { get; } = new();
}

/// <summary>
/// Handles are small integers looked up here, never pointers to managed objects, so a call with a
/// closed or made-up handle gets BB_ERR_INVALID_HANDLE instead of touching freed memory.
/// </summary>
internal static class HandleTable
{
    private static readonly ConcurrentDictionary<nint, OpenDatabase> Open = new();
    private static long s_next;

    public static nint Add(OpenDatabase database)
    {
        nint handle = (nint)Interlocked.Increment(ref s_next);
        Open[handle] = database;
        return handle;
    }

    public static OpenDatabase Get(nint handle)
        => Open.TryGetValue(handle, out OpenDatabase? database) ? database : throw new InvalidHandleException();

    public static OpenDatabase? Remove(nint handle) => Open.TryRemove(handle, out OpenDatabase? database) ? database : null;
}

internal sealed class InvalidHandleException() : Exception("The handle is not open: it was never returned by bb_open, or bb_close already closed it.");
