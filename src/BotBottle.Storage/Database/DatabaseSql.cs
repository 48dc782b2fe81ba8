using System.Collections.Generic;
using BotBottle.Storage.Sql;

namespace BotBottle.Storage.Database;

/// <summary>
/// The connection policy and the database-wide pragmas. Every one is listed in <see cref="All"/>, which <see cref="SqlRegistry.All"/> gathers, so a
/// test prepares each against a freshly migrated database.
/// </summary>
internal static class DatabaseSql
{
    // SQLite's own busy handler waits this long for another process's lock (see BotBottleDatabase).
    private static readonly string BusyTimeout = "PRAGMA busy_timeout = " + BotBottleDatabase.BusyTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";";

    // ---- connection policy -------------------------------------------------------------------

    public static readonly SqlStatement ConnectionPolicyNormal = new(
        nameof(ConnectionPolicyNormal),
        BusyTimeout + " PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");

    public static readonly SqlStatement ConnectionPolicyFull = new(
        nameof(ConnectionPolicyFull),
        BusyTimeout + " PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");

    // doctor's connections: the same busy handling, and nothing can be written through them.
    public static readonly SqlStatement ConnectionPolicyInspector = new(
        nameof(ConnectionPolicyInspector),
        BusyTimeout + " PRAGMA query_only = 1;");

    public static readonly SqlStatement JournalModeWal = new(nameof(JournalModeWal), "PRAGMA journal_mode = WAL;");

    public static readonly SqlStatement SelectJournalMode = new(nameof(SelectJournalMode), "PRAGMA journal_mode;");

    public static readonly SqlStatement IntegrityCheck = new(nameof(IntegrityCheck), "PRAGMA integrity_check;");

    // Changes whenever another connection commits; the change watcher polls it.
    public static readonly SqlStatement DataVersion = new(nameof(DataVersion), "PRAGMA data_version;");

    public static readonly IReadOnlyList<SqlStatement> All =
    [
        ConnectionPolicyNormal, ConnectionPolicyFull, ConnectionPolicyInspector, JournalModeWal, SelectJournalMode, IntegrityCheck, DataVersion,
    ];
}
