using System;
using System.Globalization;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Sql;
using System.Data.Common;

namespace BotBottle.Storage.Limits;

/// <summary>
/// Admits a new proposal against the host's caps, inside the write transaction that inserts it,
/// so concurrent writers (serve, propose, the broker, the library) are counted together. A joined
/// retry is not a new proposal and is never refused here.
/// </summary>
internal static class ProposalCaps
{
    /// <summary>Checks every cap and takes one token from the bottle's rate bucket; <paramref name="databasePath"/> (null for PostgreSQL, whose server guards its own disk) is where the free-space reserve is measured.</summary>
    /// <exception cref="StorageException">LimitReached naming the cap and what to do; nothing is written.</exception>
    public static void Admit(DbConnection connection, DbTransaction transaction, string? databasePath, Proposal proposal, DateTimeOffset now)
    {
        SuperviseLimits limits = LimitsStore.Read(connection, transaction);
        long incoming = Bytes(proposal);
        (long pending, long pendingBytes) = PendingUsage(connection, transaction, proposal.BottleSlug);

        // SQLite needs room for the row in the WAL and again in the database when it checkpoints;
        // beyond the reserve, every proposal waiting on this disk (this one too) keeps room for its answer.
        if (databasePath is not null && FreeSpace.AvailableBytes(databasePath) is { } available
            && available - (2 * incoming) - ((PendingEverywhere(connection, transaction) + 1) * AnswerBytes) < limits.FreeSpaceReserveBytes)
        {
            throw Refused(
                "free_space_reserve_bytes",
                $"The host's disk is low on space: {Mib(available)} MiB free, and new proposals stop at the host's reserve of {Mib(limits.FreeSpaceReserveBytes)} MiB plus room to answer every pending one, so the operator's decisions always fit. Wait for the operator to answer or free space.");
        }

        if (pending >= limits.PendingPerBottle)
        {
            throw Refused(
                "pending_per_bottle",
                $"{pending} proposals are already pending for bottle '{proposal.BottleSlug}' (the host's limit is {limits.PendingPerBottle}); wait for the operator to answer one before proposing again.");
        }

        if (pendingBytes + incoming > limits.PendingBytesPerBottle)
        {
            throw Refused(
                "pending_bytes_per_bottle",
                $"Bottle '{proposal.BottleSlug}' has {pendingBytes} bytes pending and this proposal adds {incoming}; the host's limit is {limits.PendingBytesPerBottle} bytes. Wait for the operator to answer, or send a smaller file.");
        }

        TakeRateToken(connection, transaction, proposal.BottleSlug, limits, now);
    }

    /// <summary>
    /// The disk one answer may take: its response row and its audit entry (the diff bounded by
    /// <see cref="Audit.UnifiedDiff.MaxAuditDiffBytes"/>), twice over for the WAL and the checkpoint.
    /// A modified answer's own file is the operator's to size; the reserve covers it.
    /// </summary>
    public const long AnswerBytes = 2 * (Audit.UnifiedDiff.MaxAuditDiffBytes + (16 * 1024));

    private static long PendingEverywhere(DbConnection connection, DbTransaction transaction)
    {
        using DbCommand command = SqlRegistry.Command(connection, transaction, LimitsSql.SelectPendingCount);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>What a proposal holds, in UTF-8 bytes, as the pending-bytes cap counts it.</summary>
    public static long Bytes(Proposal proposal)
        => (long)System.Text.Encoding.UTF8.GetByteCount(proposal.ProposedFile)
           + System.Text.Encoding.UTF8.GetByteCount(proposal.Justification)
           + (proposal.CurrentFile is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(proposal.CurrentFile));

    private static (long Count, long Bytes) PendingUsage(DbConnection connection, DbTransaction transaction, string slug)
    {
        using DbCommand command = SqlRegistry.Command(connection, transaction, LimitsSql.SelectPendingUsage).Bind("$bottle_slug", slug);
        using DbDataReader reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>A token bucket per bottle: <see cref="SuperviseLimits.RateBurst"/> tokens, refilled at <see cref="SuperviseLimits.RatePerHour"/>.</summary>
    private static void TakeRateToken(DbConnection connection, DbTransaction transaction, string slug, SuperviseLimits limits, DateTimeOffset now)
    {
        double tokens = limits.RateBurst;
        using (DbCommand read = SqlRegistry.Command(connection, transaction, LimitsSql.SelectRateBucket).Bind("$bottle_slug", slug))
        using (DbDataReader reader = read.ExecuteReader())
        {
            if (reader.Read())
            {
                // A clock that stepped back refills nothing rather than draining the bucket.
                double elapsedHours = Math.Max(0, (now - SqliteValues.ReadTimestamp(reader.GetString(1))).TotalHours);
                tokens = Math.Min(limits.RateBurst, reader.GetDouble(0) + (elapsedHours * limits.RatePerHour));
            }
        }

        if (tokens < 1)
        {
            double seconds = Math.Ceiling((1 - tokens) * 3600 / limits.RatePerHour);
            throw Refused(
                "rate_per_hour",
                string.Create(CultureInfo.InvariantCulture, $"Bottle '{slug}' may make {limits.RateBurst} proposals at once and {limits.RatePerHour} per hour; the next one is allowed in {seconds:0} s. Wait, or retry an open proposal with the same arguments (it joins instead of counting)."));
        }

        using DbCommand write = SqlRegistry.Command(connection, transaction, LimitsSql.UpsertRateBucket);
        write.Bind("$bottle_slug", slug)
            .Bind("$tokens", tokens - 1)
            .Bind("$refilled_at", SqliteValues.FormatTimestamp(now))
            .ExecuteNonQuery();
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture);

    private static LimitReachedException Refused(string limit, string message) => new(limit, message);
}
