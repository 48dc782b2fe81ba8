using System;
using System.Linq;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>The audit log's hash chain: intact when untouched, broken at the first tampered entry.</summary>
public sealed class AuditChainTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly AuditStore _audit;

    public AuditChainTests() => _audit = new AuditStore(_temp.OpenHost());

    public void Dispose() => _temp.Dispose();

    private void WriteEntries(int count)
    {
        for (int i = 1; i <= count; i++)
        {
            _audit.WriteAuditEntry(new AuditEntry(0, DateTimeOffset.UtcNow, "bottle-a", "git-gate", "approved", "entry " + i, "why", "+line " + i));
        }
    }

    private void Tamper(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_temp.Path};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void Chain_is_intact_after_entries_and_decisions()
    {
        WriteEntries(3);
        var queue = new QueueStore(_temp.OpenHost());
        Proposal proposal = Proposal.Create("bottle-a", "pipelock-block", "a.example\n", "why");
        queue.WriteProposal(proposal);
        new OperatorDecisions(_temp.OpenHost()).Decide(proposal.Id, ResponseStatus.Approved, "ok");

        AuditChainReport report = _audit.VerifyChain();

        Assert.Equal(new AuditChainReport(true, 4, null, null), report);
        var entries = _audit.ReadAuditEntries();
        Assert.Equal(AuditChain.Genesis, entries[0].PrevHash);
        Assert.All(entries.Skip(1).Zip(entries), static pair => Assert.Equal(pair.Second.EntryHash, pair.First.PrevHash));
    }

    [Fact]
    public void Empty_log_verifies()
        => Assert.True(_audit.VerifyChain().Ok);

    [Theory]
    [InlineData("UPDATE supervise_audit_entries SET operator_action = 'rejected' WHERE id = 2", 2L, "edited")]
    [InlineData("UPDATE supervise_audit_entries SET diff = diff || ' ' WHERE id = 3", 3L, "edited")]
    [InlineData("UPDATE supervise_audit_entries SET timestamp = '2000-01-01T00:00:00.0000000Z' WHERE id = 1", 1L, "edited")]
    [InlineData("DELETE FROM supervise_audit_entries WHERE id = 2", 2L, "missing")]
    [InlineData("DELETE FROM supervise_audit_entries WHERE id = 4", 4L, "newest entries were deleted")]
    [InlineData("UPDATE supervise_audit_entries SET operator_notes = CASE id WHEN 2 THEN 'entry 3' ELSE 'entry 2' END, diff = CASE id WHEN 2 THEN '+line 3' ELSE '+line 2' END WHERE id IN (2, 3)", 2L, "edited")]
    [InlineData("INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action) VALUES ('2026-01-01T00:00:00.0000000Z', 'bottle-a', 'git-gate', 'approved')", 5L, "no hash")]
    [InlineData("UPDATE supervise_audit_entries SET entry_hash = 'forged' WHERE id = 3", 3L, "edited")]
    [InlineData("UPDATE supervise_audit_entries SET prev_hash = 'forged' WHERE id = 3", 3L, "does not link")]
    public void Tampering_is_reported_at_the_first_broken_entry(string sql, long brokenId, string reason)
    {
        WriteEntries(4);

        Tamper(sql);
        AuditChainReport report = _audit.VerifyChain();

        Assert.False(report.Ok);
        Assert.Equal(brokenId, report.FirstBrokenId);
        Assert.Contains(reason, report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Migration_chains_entries_written_before_it()
    {
        using var temp = new TempDatabase();
        BotBottleDatabase database = temp.OpenHost(migrate: false);
        new Migrator(database).MigrateUp(3);
        using (var connection = new SqliteConnection($"Data Source={temp.Path};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action, diff) VALUES
                  ('2026-01-01T00:00:00.0000000Z', 'bottle-a', 'git-gate', 'approved', '+x'),
                  ('2026-01-02T00:00:00.0000000Z', 'bottle-b', 'egress', 'rejected', ''),
                  ('2026-01-03T00:00:00.0000000Z', 'bottle-a', 'pipelock-block', 'modified', '+y');
                """;
            insert.ExecuteNonQuery();
        }

        new Migrator(database).MigrateUp();
        var audit = new AuditStore(database);
        audit.WriteAuditEntry(new AuditEntry(0, DateTimeOffset.UtcNow, "bottle-a", "git-gate", "approved", "", "", ""));

        Assert.Equal(new AuditChainReport(true, 4, null, null), audit.VerifyChain());
        Assert.All(audit.ReadAuditEntries(), static e => Assert.Equal(64, e.EntryHash!.Length));
    }

    [Fact]
    public void Hash_keeps_field_boundaries()
    {
        string a = AuditChain.Hash(AuditChain.Genesis, 1, "t", "bottle-a", "git-gate", "approved", "ab", "c", "");
        string b = AuditChain.Hash(AuditChain.Genesis, 1, "t", "bottle-a", "git-gate", "approved", "a", "bc", "");

        Assert.NotEqual(a, b);
        Assert.Equal(a, AuditChain.Hash(AuditChain.Genesis, 1, "t", "bottle-a", "git-gate", "approved", "ab", "c", ""));
    }
}
