using System.Collections.Generic;
using BotBottle.Storage.Sql;

namespace BotBottle.Storage.Queue;

/// <summary>
/// The supervise queue's statements. Every one is listed in <see cref="All"/>, which <see cref="SqlRegistry.All"/> gathers, so a
/// test prepares each against a freshly migrated database.
/// </summary>
internal static class QueueSql
{
    // ---- queue -------------------------------------------------------------------------------

    public static readonly SqlStatement InsertProposal = new(
        nameof(InsertProposal),
        """
        INSERT INTO supervise_proposals
            (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, current_file_hash, archived, current_file)
        VALUES
            ($id, $bottle_slug, $tool, $proposed_file, $justification, $arrival_timestamp, $current_file_hash, $archived, $current_file);

        """);

    public static readonly SqlStatement SelectProposal = new(
        nameof(SelectProposal),
        "SELECT " + ProposalRowMapper.SelectColumns + " FROM supervise_proposals WHERE id = $id;");

    // Served by the partial index supervise_proposals_pending_by_slug: (bottle_slug, arrival_timestamp) WHERE archived = 0.
    public static readonly SqlStatement ListPendingForSlug = new(
        nameof(ListPendingForSlug),
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals AS p
        WHERE p.archived = 0
          AND p.bottle_slug = $bottle_slug
          AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0)
        ORDER BY p.arrival_timestamp, p.rowid;
        """,
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals AS p
        WHERE p.archived = 0
          AND p.bottle_slug = @bottle_slug
          AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0)
        ORDER BY p.arrival_timestamp COLLATE "C", p.id COLLATE "C"
        """);

    // Served by the partial index supervise_proposals_pending: (arrival_timestamp) WHERE archived = 0.
    public static readonly SqlStatement ListPendingAll = new(
        nameof(ListPendingAll),
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals AS p
        WHERE p.archived = 0
          AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0)
        ORDER BY p.arrival_timestamp, p.rowid;
        """,
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals AS p
        WHERE p.archived = 0
          AND NOT EXISTS (SELECT 1 FROM supervise_responses AS r WHERE r.proposal_id = p.id AND r.archived = 0)
        ORDER BY p.arrival_timestamp COLLATE "C", p.id COLLATE "C"
        """);

    // queue watch: every unarchived proposal with its decision, compared between changes; served by
    // the partial index supervise_proposals_pending (archived = 0).
    public static readonly SqlStatement ListOpenProposals = new(
        nameof(ListOpenProposals),
        """
        SELECT p.id AS id, p.bottle_slug AS bottle_slug, p.tool AS tool, p.arrival_timestamp AS arrival_timestamp, r.status AS status
          FROM supervise_proposals AS p
          LEFT JOIN supervise_responses AS r ON r.proposal_id = p.id
         WHERE p.archived = 0
         ORDER BY p.arrival_timestamp, p.rowid;
        """,
        """
        SELECT p.id AS id, p.bottle_slug AS bottle_slug, p.tool AS tool, p.arrival_timestamp AS arrival_timestamp, r.status AS status
          FROM supervise_proposals AS p
          LEFT JOIN supervise_responses AS r ON r.proposal_id = p.id
         WHERE p.archived = 0
         ORDER BY p.arrival_timestamp COLLATE "C", p.id COLLATE "C"
        """);

    // A retried identical proposal joins the open one; served by supervise_proposals_pending_by_slug.
    public static readonly SqlStatement FindOpenDuplicate = new(
        nameof(FindOpenDuplicate),
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals
        WHERE archived = 0
          AND bottle_slug = $bottle_slug
          AND tool = $tool
          AND proposed_file = $proposed_file
          AND justification = $justification
        ORDER BY arrival_timestamp, rowid
        LIMIT 1;
        """,
        "SELECT " + ProposalRowMapper.SelectColumns + """
         FROM supervise_proposals
        WHERE archived = 0
          AND bottle_slug = @bottle_slug
          AND tool = @tool
          AND proposed_file = @proposed_file
          AND justification = @justification
        ORDER BY arrival_timestamp COLLATE "C", id COLLATE "C"
        LIMIT 1
        """);

    public static readonly SqlStatement SelectResponseExists = new(
        nameof(SelectResponseExists),
        "SELECT 1 FROM supervise_responses WHERE proposal_id = $proposal_id;");

    public static readonly SqlStatement InsertResponse = new(
        nameof(InsertResponse),
        """
        INSERT INTO supervise_responses (proposal_id, status, notes, final_file, archived)
        VALUES ($proposal_id, $status, $notes, $final_file, 0);

        """);

    public static readonly SqlStatement SelectResponse = new(
        nameof(SelectResponse),
        "SELECT " + ResponseRowMapper.SelectColumns + " FROM supervise_responses WHERE proposal_id = $proposal_id;");

    // Responses only ever get new rowids, in commit order: waiters learn of answers by rowid range.
    public static readonly SqlStatement SelectMaxResponseRowId = new(
        nameof(SelectMaxResponseRowId),
        "SELECT coalesce(max(rowid), 0) FROM supervise_responses;",
        SqlStatement.SqliteOnly);

    public static readonly SqlStatement SelectResponsesAddedAfter = new(
        nameof(SelectResponsesAddedAfter),
        "SELECT " + ResponseRowMapper.SelectColumns + " FROM supervise_responses WHERE rowid > $after AND rowid <= $up_to ORDER BY rowid;",
        SqlStatement.SqliteOnly);

    public static readonly SqlStatement ArchiveProposal = new(
        nameof(ArchiveProposal),
        "UPDATE supervise_proposals SET archived = 1 WHERE id = $id AND archived = 0;");

    // Trigger supervise_responses_archive_proposal archives the proposal with it (migration 0006).
    public static readonly SqlStatement ArchiveResponse = new(
        nameof(ArchiveResponse),
        "UPDATE supervise_responses SET archived = 1 WHERE proposal_id = $id AND archived = 0;");

    // Trigger supervise_withdrawals_archive_and_audit archives the proposal and writes the audit entry (migration 0008).
    public static readonly SqlStatement InsertWithdrawal = new(
        nameof(InsertWithdrawal),
        """
        INSERT INTO supervise_withdrawals (proposal_id, withdrawn_at, reason, diff, audit_id, audit_prev_hash, audit_hash)
        VALUES ($proposal_id, $withdrawn_at, $reason, $diff, $audit_id, $audit_prev_hash, $audit_hash);
        """);

    public static readonly SqlStatement SelectWithdrawal = new(
        nameof(SelectWithdrawal),
        "SELECT " + WithdrawalRowMapper.SelectColumns + " FROM supervise_withdrawals WHERE proposal_id = $proposal_id;");

    // The first look counts; later ones change nothing (migration 0009).
    public static readonly SqlStatement InsertProposalView = new(
        nameof(InsertProposalView),
        "INSERT INTO supervise_proposal_views (proposal_id, first_seen_at) VALUES ($proposal_id, $first_seen_at) ON CONFLICT (proposal_id) DO NOTHING;");

    public static readonly SqlStatement SelectProposalView = new(
        nameof(SelectProposalView),
        "SELECT first_seen_at FROM supervise_proposal_views WHERE proposal_id = $proposal_id;");

    // ---- fleet mode: the server keeps the rules (migrations/postgres/0010) ----------------------

    // Every rule, the caps and the rate bucket, the id, the time and the hash, applied by the server.
    public static readonly SqlStatement ProposeOnServer = new(
        nameof(ProposeOnServer),
        SqlStatement.PostgresOnly,
        "SELECT proposal_id, joined FROM bb_propose(@bottle_slug, @tool, @proposed_file, @justification, @current_file)");

    // A broker archives only an answered proposal of a bottle it serves.
    public static readonly SqlStatement ArchiveAnsweredOnServer = new(
        nameof(ArchiveAnsweredOnServer),
        SqlStatement.PostgresOnly,
        "SELECT bb_archive_answered(@id)");

    // The server stamps the time and fixes the reason; its trigger archives and writes the audit entry.
    public static readonly SqlStatement WithdrawOnServer = new(
        nameof(WithdrawOnServer),
        SqlStatement.PostgresOnly,
        "SELECT " + WithdrawalRowMapper.SelectColumns + " FROM bb_withdraw(@proposal_id, @diff)");

    public static readonly IReadOnlyList<SqlStatement> All =
    [
        InsertProposal, SelectProposal, ListPendingForSlug, ListPendingAll, ListOpenProposals, FindOpenDuplicate, SelectResponseExists, InsertResponse, SelectResponse, SelectMaxResponseRowId, SelectResponsesAddedAfter, ArchiveProposal, ArchiveResponse,
        InsertWithdrawal, SelectWithdrawal, InsertProposalView, SelectProposalView, ProposeOnServer, ArchiveAnsweredOnServer, WithdrawOnServer,
    ];
}
