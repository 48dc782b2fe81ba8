using System;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>Least privilege: what a sidecar-role connection may and may not do.</summary>
public sealed class SidecarAuthorizerTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly QueueStore _hostQueue;
    private readonly BotBottleDatabase _sidecar;
    private readonly Proposal _proposal;

    public SidecarAuthorizerTests()
    {
        _hostQueue = new QueueStore(_temp.OpenHost());
        _sidecar = BotBottleDatabase.OpenSidecar(_temp.Path);
        _proposal = Proposal.Create("bottle-a", "pipelock-block", "a.example\n", "why");
        new QueueStore(_sidecar).WriteProposal(_proposal);
    }

    public void Dispose() => _temp.Dispose();

    private void Execute(string sql)
    {
        using SqliteConnection connection = _sidecar.OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Theory]
    [InlineData("INSERT INTO supervise_responses (proposal_id, status, notes) VALUES ('{0}', 'approved', 'forged')")]
    [InlineData("UPDATE supervise_responses SET status = 'approved' WHERE proposal_id = '{0}'")]
    [InlineData("INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action) VALUES ('2026', 'bottle-a', 'x', 'approved')")]
    [InlineData("UPDATE supervise_audit_entries SET operator_action = 'approved'")]
    [InlineData("DELETE FROM supervise_audit_entries")]
    [InlineData("DELETE FROM supervise_proposals WHERE id = '{0}'")]
    [InlineData("UPDATE supervise_proposals SET proposed_file = 'evil' WHERE id = '{0}'")]
    [InlineData("UPDATE supervise_proposals SET bottle_slug = 'bottle-b' WHERE id = '{0}'")]
    [InlineData("UPDATE schema_migrations SET checksum = 'x'")]
    [InlineData("INSERT INTO schema_migrations VALUES (99, 'x', 'x', 1, 'x', 0)")]
    [InlineData("CREATE TABLE evil (x)")]
    [InlineData("DROP TABLE supervise_audit_entries")]
    [InlineData("DROP INDEX supervise_proposals_pending")]
    [InlineData("ALTER TABLE supervise_proposals ADD COLUMN evil TEXT")]
    [InlineData("CREATE TRIGGER evil AFTER INSERT ON supervise_proposals BEGIN DELETE FROM supervise_audit_entries; END")]
    [InlineData("PRAGMA user_version = 99")]
    [InlineData("PRAGMA writable_schema = 1")]
    [InlineData("PRAGMA journal_mode = DELETE")]
    [InlineData("ATTACH DATABASE '/tmp/evil.db' AS evil")]
    public void Sidecar_connection_is_denied(string sql)
    {
        var error = Assert.Throws<SqliteException>(() => Execute(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, _proposal.Id)));

        Assert.Equal(23, error.SqliteErrorCode);
        Assert.Null(_hostQueue.ReadResponse(_proposal.Id));
        Assert.Equal("a.example\n", _hostQueue.ReadProposal(_proposal.Id)!.ProposedFile);
    }

    [Fact]
    public void Sidecar_store_calls_that_answer_or_audit_fail_with_denied()
    {
        var queue = new QueueStore(_sidecar);
        var audit = new AuditStore(_sidecar);

        var answer = Assert.Throws<StorageException>(() => queue.WriteResponse(new Response(_proposal.Id, ResponseStatus.Approved, "", null, false)));
        var decide = Assert.Throws<StorageException>(() => new OperatorDecisions(_sidecar).Decide(_proposal.Id, ResponseStatus.Approved, ""));
        var log = Assert.Throws<StorageException>(() => audit.WriteAuditEntry(new AuditEntry(0, DateTimeOffset.UtcNow, "bottle-a", "x", "approved", "", "", "")));

        Assert.Equal((StorageErrorKind.Denied, StorageErrorKind.Denied, StorageErrorKind.Denied), (answer.Kind, decide.Kind, log.Kind));
        Assert.Null(_hostQueue.ReadResponse(_proposal.Id));
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_audit_entries"));
    }

    [Fact]
    public void Sidecar_connection_may_propose_read_join_and_archive()
    {
        var queue = new QueueStore(_sidecar);
        new OperatorDecisions(_temp.OpenHost()).Decide(_proposal.Id, ResponseStatus.Approved, "ok");

        ProposalWriteResult joined = queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "pipelock-block", "b.example\n", "why"));
        Response? response = queue.ReadResponse(_proposal.Id);
        queue.ArchiveProposal(_proposal.Id);

        Assert.False(joined.Joined);
        Assert.Equal(ResponseStatus.Approved, response!.Status);
        Assert.True(_hostQueue.ReadProposal(_proposal.Id)!.Archived);
        Assert.True(_hostQueue.ReadResponse(_proposal.Id)!.Archived);
        Assert.Single(new AuditStore(_sidecar).ReadAuditEntries());
    }

    [Fact]
    public void Host_connection_is_unrestricted()
    {
        using SqliteConnection connection = _temp.OpenHost().OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE host_scratch (x); DROP TABLE host_scratch;";

        command.ExecuteNonQuery();
    }
}
