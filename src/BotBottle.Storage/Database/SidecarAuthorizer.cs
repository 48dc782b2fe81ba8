using System;
using SQLitePCL;

namespace BotBottle.Storage.Database;

/// <summary>
/// The SQLite authorizer on every sidecar-role connection. A sidecar sits next to an untrusted
/// agent, so even a compromised sidecar must not be able to forge the operator's side: it may read,
/// insert proposals, keep its rate bucket, keep its own bottle's row in <c>bottles</c>, mark responses archived (which archives their
/// proposals through a trigger, so an unanswered proposal can never be archived by a sidecar), and
/// withdraw its own unanswered proposals (whose trigger archives them and writes the "withdrawn"
/// audit entry) — nothing else: no limits, no other audit entries, no decisions. SQLite consults this at prepare time,
/// so a denied statement never runs (SQLITE_AUTH).
/// </summary>
internal static class SidecarAuthorizer
{
    // Action codes and results from sqlite3.h.
    private const int Ok = 0;
    private const int Deny = 1;

    private const int Insert = 18;
    private const int Pragma = 19;
    private const int Read = 20;
    private const int Select = 21;
    private const int Transaction = 22;
    private const int Update = 23;
    private const int Function = 31;
    private const int Savepoint = 32;
    private const int Recursive = 33;

    // Kept in a static field: SQLite holds the callback for the connection's lifetime.
    private static readonly strdelegate_authorizer Callback = Authorize;

    public static void Install(sqlite3 handle)
    {
        int rc = raw.sqlite3_set_authorizer(handle, Callback, null);
        if (rc != 0)
        {
            throw new InvalidOperationException($"sqlite3_set_authorizer failed with {rc}; refusing to open a sidecar connection without it.");
        }
    }

    /// <summary>The policy; public to the tests through InternalsVisibleTo.</summary>
    internal static int Authorize(object userData, int action, string? first, string? second, string? database, string? trigger) => action switch
    {
        Read or Select or Transaction or Function or Savepoint or Recursive => Ok,
        Insert => first is "supervise_proposals" or "supervise_rate_buckets" or "bottles" or "supervise_withdrawals"
            || (first == "supervise_audit_entries" && string.Equals(trigger, WithdrawalTrigger, StringComparison.Ordinal)) ? Ok : Deny,
        Update => IsAllowedUpdate(first, second, trigger) ? Ok : Deny,
        Pragma => IsAllowedPragma(first, second) ? Ok : Deny,

        // Deletes, every create/drop/alter, attach/detach, reindex, analyze and virtual tables.
        _ => Deny,
    };

    /// <summary>The trigger through which archiving a response archives its proposal (migration 0006).</summary>
    internal const string ArchiveTrigger = "supervise_responses_archive_proposal";

    /// <summary>
    /// The trigger through which withdrawing a proposal archives it and writes its "withdrawn"
    /// audit entry (migration 0008): the only way a sidecar writes an audit entry, or archives an
    /// unanswered proposal, and only its own bottle's.
    /// </summary>
    internal const string WithdrawalTrigger = "supervise_withdrawals_archive_and_audit";

    private static bool IsAllowedUpdate(string? table, string? column, string? trigger) => (table, column) switch
    {
        ("supervise_responses", "archived") => true,
        ("supervise_proposals", "archived") => string.Equals(trigger, ArchiveTrigger, StringComparison.Ordinal) || string.Equals(trigger, WithdrawalTrigger, StringComparison.Ordinal),
        ("supervise_rate_buckets", "tokens" or "refilled_at") => true,

        // Its own bottle's row only: the triggers of migration 0007 refuse any other.
        ("bottles", _) => true,
        _ => false,
    };

    /// <summary>The connection policy's pragmas and read-only queries; never user_version = N or writable_schema.</summary>
    private static bool IsAllowedPragma(string? name, string? value) => name?.ToLowerInvariant() switch
    {
        "busy_timeout" or "foreign_keys" or "synchronous" => true,

        // Switching the shared database out of WAL would break every other process's connections.
        "journal_mode" => value is null || string.Equals(value, "wal", StringComparison.OrdinalIgnoreCase),
        "data_version" or "integrity_check" or "quick_check" or "table_info" or "index_list" => true,
        "user_version" or "schema_version" => value is null,
        _ => false,
    };
}
