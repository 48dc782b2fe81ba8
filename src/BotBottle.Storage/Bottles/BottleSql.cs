using System.Collections.Generic;
using BotBottle.Storage.Sql;

namespace BotBottle.Storage.Bottles;

/// <summary>The bottles table's statements; listed in <see cref="All"/> for <see cref="SqlRegistry.All"/>.</summary>
internal static class BottleSql
{
    public static readonly SqlStatement Register = new(
        nameof(Register),
        """
        INSERT INTO bottles (slug, backend, state, started_at, last_seen, stopped_at, sidecar_version, heartbeat_seconds)
        VALUES ($slug, $backend, 'running', $now, $now, NULL, $sidecar_version, $heartbeat_seconds)
        ON CONFLICT (slug) DO UPDATE SET
            backend = excluded.backend, state = 'running', started_at = excluded.started_at,
            last_seen = excluded.last_seen, stopped_at = NULL, sidecar_version = excluded.sidecar_version,
            heartbeat_seconds = excluded.heartbeat_seconds;
        """);

    public static readonly SqlStatement Heartbeat = new(
        nameof(Heartbeat),
        "UPDATE bottles SET last_seen = $now WHERE slug = $slug AND state = 'running';");

    public static readonly SqlStatement Stop = new(
        nameof(Stop),
        "UPDATE bottles SET state = 'stopped', stopped_at = $now, last_seen = $now WHERE slug = $slug;");

    // The dashboard's one query: every registered bottle, and every bottle with pending proposals
    // that never registered, each with its pending count and the arrival of its oldest pending
    // proposal. Pending is the queue's own definition (QueueSql.ListPendingAll), served by the same
    // partial index. "stale" is a running bottle whose last heartbeat is older than three heartbeat
    // periods at $now.
    public static readonly SqlStatement ListBottles = new(
        nameof(ListBottles),
        ListBottlesText("(julianday($now) - julianday(b.last_seen)) * 86400.0", "coalesce(p.pending, 0)", "s.slug"),
        ListBottlesText("extract(epoch FROM (@now::timestamptz - bb_try_timestamp(b.last_seen)))", "coalesce(p.pending, 0)::bigint", "s.slug COLLATE \"C\""));

    // Fleet mode: the server checks the grant and stamps the time (migrations/postgres/0010).
    public static readonly SqlStatement RegisterOnServer = new(
        nameof(RegisterOnServer),
        SqlStatement.PostgresOnly,
        "SELECT bb_register_bottle(@slug, @backend, @sidecar_version, @heartbeat_seconds)");

    public static readonly SqlStatement HeartbeatOnServer = new(
        nameof(HeartbeatOnServer),
        SqlStatement.PostgresOnly,
        "SELECT bb_heartbeat_bottle(@slug, false)");

    public static readonly SqlStatement StopOnServer = new(
        nameof(StopOnServer),
        SqlStatement.PostgresOnly,
        "SELECT bb_heartbeat_bottle(@slug, true)");

    // Which broker role serves a bottle: the operator's grant (fleet mode only).
    public static readonly SqlStatement UpsertGrant = new(
        nameof(UpsertGrant),
        SqlStatement.PostgresOnly,
        """
        INSERT INTO bottle_grants (slug, broker_role, granted_at) VALUES (@slug, @broker_role, @now)
        ON CONFLICT (slug) DO UPDATE SET broker_role = excluded.broker_role, granted_at = excluded.granted_at
        """);

    public static readonly SqlStatement SelectGrant = new(
        nameof(SelectGrant),
        SqlStatement.PostgresOnly,
        "SELECT broker_role FROM bottle_grants WHERE slug = @slug");

    public static readonly SqlStatement DeleteGrant = new(
        nameof(DeleteGrant),
        SqlStatement.PostgresOnly,
        "DELETE FROM bottle_grants WHERE slug = @slug");

    public static readonly SqlStatement ListGrants = new(
        nameof(ListGrants),
        SqlStatement.PostgresOnly,
        "SELECT slug, broker_role, granted_at FROM bottle_grants ORDER BY slug COLLATE \"C\"");

    // A grant names a login role that is a broker: a typo would grant nobody.
    public static readonly SqlStatement IsBrokerRole = new(
        nameof(IsBrokerRole),
        SqlStatement.PostgresOnly,
        "SELECT EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = @broker_role AND r.rolcanlogin AND pg_has_role(r.oid, 'bot_bottle_broker', 'MEMBER'))");

    public static readonly IReadOnlyList<SqlStatement> All =
    [
        Register, Heartbeat, Stop, ListBottles, RegisterOnServer, HeartbeatOnServer, StopOnServer, UpsertGrant, SelectGrant, DeleteGrant, ListGrants, IsBrokerRole,
    ];

    // The dialects differ in date arithmetic, count's type and text ordering only.
    private static string ListBottlesText(string secondsSinceLastSeen, string pendingCount, string slugOrder) => string.Format(
        System.Globalization.CultureInfo.InvariantCulture,
        """
        WITH pending AS (
            SELECT p.bottle_slug AS slug, count(*) AS pending, min(p.arrival_timestamp) AS oldest_pending_at
              FROM supervise_proposals AS p
             WHERE p.archived = 0
               AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0)
             GROUP BY p.bottle_slug
        ),
        slugs AS (
            SELECT slug FROM bottles
            UNION
            SELECT slug FROM pending
        )
        SELECT s.slug AS slug,
               coalesce(b.backend, 'unregistered') AS backend,
               CASE
                   WHEN b.slug IS NULL THEN 'unknown'
                   WHEN b.state = 'running'
                        AND {0} > 3 * b.heartbeat_seconds THEN 'stale'
                   ELSE b.state
               END AS state,
               b.started_at AS started_at,
               b.last_seen AS last_seen,
               b.stopped_at AS stopped_at,
               b.sidecar_version AS sidecar_version,
               {1} AS pending,
               p.oldest_pending_at AS oldest_pending_at
          FROM slugs AS s
          LEFT JOIN bottles AS b ON b.slug = s.slug
          LEFT JOIN pending AS p ON p.slug = s.slug
         ORDER BY {2};
        """,
        secondsSinceLastSeen,
        pendingCount,
        slugOrder);
}
