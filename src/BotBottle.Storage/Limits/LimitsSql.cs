using System.Collections.Generic;
using BotBottle.Storage.Sql;

namespace BotBottle.Storage.Limits;

/// <summary>
/// The caps' statements. Every one is listed in <see cref="All"/>, which <see cref="SqlRegistry.All"/> gathers, so a
/// test prepares each against a freshly migrated database.
/// </summary>
internal static class LimitsSql
{
    // ---- limits ------------------------------------------------------------------------------

    public static readonly SqlStatement SelectLimits = new(nameof(SelectLimits), "SELECT name, value FROM supervise_limits;");

    public static readonly SqlStatement UpsertLimit = new(
        nameof(UpsertLimit),
        "INSERT INTO supervise_limits (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value;");

    public static readonly SqlStatement DeleteLimit = new(nameof(DeleteLimit), "DELETE FROM supervise_limits WHERE name = $name;");

    // What one bottle has waiting for the operator, as the caps count it; served by
    // supervise_proposals_pending_by_slug. octet_length reads a text's size without its content.
    public static readonly SqlStatement SelectPendingUsage = new(
        nameof(SelectPendingUsage),
        """
        SELECT count(*),
               coalesce(sum(octet_length(p.proposed_file) + octet_length(p.justification) + coalesce(octet_length(p.current_file), 0)), 0)
          FROM supervise_proposals AS p
         WHERE p.archived = 0
           AND p.bottle_slug = $bottle_slug
           AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0);

        """);

    // Every proposal still waiting for an answer, on every bottle: each keeps room for its answer.
    public static readonly SqlStatement SelectPendingCount = new(
        nameof(SelectPendingCount),
        """
        SELECT count(*)
          FROM supervise_proposals AS p
         WHERE p.archived = 0
           AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id);
        """);

    public static readonly SqlStatement SelectRateBucket = new(
        nameof(SelectRateBucket),
        "SELECT tokens, refilled_at FROM supervise_rate_buckets WHERE bottle_slug = $bottle_slug;");

    public static readonly SqlStatement UpsertRateBucket = new(
        nameof(UpsertRateBucket),
        """
        INSERT INTO supervise_rate_buckets (bottle_slug, tokens, refilled_at) VALUES ($bottle_slug, $tokens, $refilled_at)
            ON CONFLICT (bottle_slug) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at;
        """);

    public static readonly IReadOnlyList<SqlStatement> All =
    [
        SelectLimits, UpsertLimit, DeleteLimit, SelectPendingUsage, SelectPendingCount, SelectRateBucket, UpsertRateBucket,
    ];
}
