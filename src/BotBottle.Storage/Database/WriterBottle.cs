using SQLitePCL;

namespace BotBottle.Storage.Database;

/// <summary>
/// <c>bb_writer_bottle()</c>, which the bottles table's triggers ask which bottle a connection may
/// write (migration 0007): registered through SQLitePCLRaw itself, since Microsoft.Data.Sqlite's
/// <c>CreateFunction&lt;T&gt;</c> is a generic virtual method, which NativeAOT resolves through its type
/// loader on first call (a quarter of a millisecond of every short-lived process, profiled).
/// </summary>
internal static class WriterBottle
{
    private const int Utf8 = 1;
    private const int Deterministic = 0x800;

    // Kept in a static field: SQLite holds the callback for the connection's lifetime.
    private static readonly delegate_function_scalar Callback = Answer;

    /// <summary>
    /// Registers the function on <paramref name="handle"/>, answering <paramref name="slug"/>: NULL for the
    /// host (any bottle), a sidecar's own slug, or '' for a sidecar without one (no row at all). A pooled
    /// handle is registered again on every open, so it always answers for the database that opened it.
    /// </summary>
    public static void Register(sqlite3 handle, string? slug)
    {
        int rc = raw.sqlite3_create_function(handle, BotBottleDatabase.WriterBottleFunction, 0, Utf8 | Deterministic, slug, Callback);
        if (rc != raw.SQLITE_OK)
        {
            throw new Microsoft.Data.Sqlite.SqliteException($"SQLite could not register {BotBottleDatabase.WriterBottleFunction}: {raw.sqlite3_errstr(rc).utf8_to_string()}", rc);
        }
    }

    private static void Answer(sqlite3_context context, object userData, sqlite3_value[] arguments)
    {
        if (userData is string slug)
        {
            raw.sqlite3_result_text(context, slug);
        }
        else
        {
            raw.sqlite3_result_null(context);
        }
    }
}
