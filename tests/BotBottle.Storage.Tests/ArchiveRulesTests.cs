using System;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>A sidecar archives only what it consumed: it can never drop an unanswered proposal.</summary>
public sealed class ArchiveRulesTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _host;
    private readonly QueueStore _sidecarQueue;
    private readonly Proposal _proposal;

    public ArchiveRulesTests()
    {
        _host = _temp.OpenHost();
        _sidecarQueue = new QueueStore(BotBottleDatabase.OpenSidecar(_temp.Path));
        _proposal = _sidecarQueue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "pipelock-block", "a.example\n", "why")).Proposal;
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ArchiveProposal_by_a_sidecar_is_denied_while_unanswered_and_the_proposal_stays_pending()
    {
        var error = Assert.Throws<StorageException>(() => _sidecarQueue.ArchiveProposal(_proposal.Id));

        Assert.Equal(StorageErrorKind.Denied, error.Kind);
        Assert.Contains("has no answer yet", error.Message, StringComparison.Ordinal);
        Assert.Single(new QueueStore(_host).ListPendingProposals("bottle-a"));
    }

    [Theory]
    [InlineData("UPDATE supervise_proposals SET archived = 1 WHERE id = '{0}'")]
    [InlineData("UPDATE supervise_proposals SET archived = 1")]
    public void Raw_sql_on_a_sidecar_connection_cannot_archive_a_proposal(string sql)
    {
        using SqliteConnection connection = BotBottleDatabase.OpenSidecar(_temp.Path).OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, _proposal.Id);

        var error = Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());

        Assert.Equal(23, error.SqliteErrorCode);
        Assert.Equal(0L, _temp.Scalar("SELECT archived FROM supervise_proposals"));
    }

    [Fact]
    public void ArchiveProposal_by_a_sidecar_after_the_answer_archives_proposal_and_response()
    {
        new OperatorDecisions(_host).Decide(_proposal.Id, ResponseStatus.Approved, "ok");

        _sidecarQueue.ArchiveProposal(_proposal.Id);
        _sidecarQueue.ArchiveProposal(_proposal.Id);

        Assert.True(_sidecarQueue.ReadProposal(_proposal.Id)!.Archived);
        Assert.True(_sidecarQueue.ReadResponse(_proposal.Id)!.Archived);
    }

    [Fact]
    public void ArchiveProposal_by_the_host_may_archive_an_unanswered_proposal()
    {
        new QueueStore(_host).ArchiveProposal(_proposal.Id);

        Assert.True(_sidecarQueue.ReadProposal(_proposal.Id)!.Archived);
        Assert.Empty(new QueueStore(_host).ListPendingProposals());
    }
}
