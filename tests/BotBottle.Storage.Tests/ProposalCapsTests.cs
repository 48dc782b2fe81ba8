using System;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>The host's caps on what a bottle can queue, as the store enforces them for every door.</summary>
public sealed class ProposalCapsTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _host;
    private readonly LimitsStore _limits;
    private readonly QueueStore _sidecarQueue;

    public ProposalCapsTests()
    {
        _host = _temp.OpenHost();
        _limits = new LimitsStore(_host);

        // The rate is generous unless a test is about the rate.
        _limits.Set("rate_burst", 1000);
        _limits.Set("free_space_reserve_bytes", 0);
        _sidecarQueue = new QueueStore(BotBottleDatabase.OpenSidecar(_temp.Path));
    }

    public void Dispose() => _temp.Dispose();

    private ProposalWriteResult Propose(string slug = "bottle-a", string file = "a.example\n", string? justification = null)
        => _sidecarQueue.WriteOrJoinProposal(new ProposalDraft(slug, "git-gate", file, justification ?? "why " + Guid.NewGuid().ToString("N")));

    private long Rows => (long)_temp.Scalar("SELECT count(*) FROM supervise_proposals")!;

    [Fact]
    public void WriteOrJoinProposal_refuses_past_the_pending_cap_and_writes_nothing()
    {
        _limits.Set("pending_per_bottle", 3);
        for (int i = 0; i < 3; i++)
        {
            Propose();
        }

        var refused = Assert.Throws<LimitReachedException>(() => Propose());

        Assert.Equal(StorageErrorKind.LimitReached, refused.Kind);
        Assert.Equal("pending_per_bottle", refused.Limit);
        Assert.Contains("3 proposals are already pending for bottle 'bottle-a'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("wait for the operator", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, Rows);
    }

    [Fact]
    public void Pending_cap_of_one_bottle_leaves_another_bottle_free()
    {
        _limits.Set("pending_per_bottle", 2);
        Propose();
        Propose();
        Assert.Throws<LimitReachedException>(() => Propose());

        ProposalWriteResult other = Propose(slug: "bottle-b");

        Assert.False(other.Joined);
        Assert.Equal(3, Rows);
    }

    [Fact]
    public void A_retried_identical_proposal_joins_at_the_cap_instead_of_being_refused()
    {
        _limits.Set("pending_per_bottle", 1);
        ProposalWriteResult first = Propose(justification: "same");

        ProposalWriteResult retry = Propose(justification: "same");

        Assert.True(retry.Joined);
        Assert.Equal(first.Proposal.Id, retry.Proposal.Id);
    }

    [Fact]
    public void An_answer_frees_a_place_under_the_pending_cap()
    {
        _limits.Set("pending_per_bottle", 1);
        Proposal first = Propose().Proposal;
        Assert.Throws<LimitReachedException>(() => Propose());

        new OperatorDecisions(_host).Decide(first.Id, ResponseStatus.Rejected, "no");

        Assert.False(Propose().Joined);
    }

    [Fact]
    public void Pending_bytes_cap_counts_file_justification_and_current_file()
    {
        _limits.Set("pending_bytes_per_bottle", 4096);
        _sidecarQueue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", new string('a', 1000), "j", CurrentFile: new string('c', 1000)));

        var refused = Assert.Throws<LimitReachedException>(() => Propose(file: new string('b', 2100)));

        Assert.Equal("pending_bytes_per_bottle", refused.Limit);
        Assert.Contains("has 2001 bytes pending and this proposal adds", refused.Message, StringComparison.Ordinal);
        Assert.False(Propose(file: new string('b', 2000)).Joined);
    }

    [Fact]
    public void Rate_bucket_allows_a_burst_then_refuses_until_it_refills()
    {
        _limits.Set("rate_burst", 3);
        _limits.Set("rate_per_hour", 60);
        for (int i = 0; i < 3; i++)
        {
            Propose();
        }

        var refused = Assert.Throws<LimitReachedException>(() => Propose());
        Assert.Equal("rate_per_hour", refused.Limit);
        Assert.Contains("may make 3 proposals at once and 60 per hour; the next one is allowed in 60 s", refused.Message, StringComparison.Ordinal);

        // Two minutes pass for the bucket: two proposals' worth comes back, not more.
        _temp.Scalar("UPDATE supervise_rate_buckets SET refilled_at = strftime('%Y-%m-%dT%H:%M:%S.0000000Z', 'now', '-120 seconds')");
        Propose();
        Propose();
        Assert.Throws<LimitReachedException>(() => Propose());
        Assert.False(Propose(slug: "bottle-b").Joined);
    }

    [Fact]
    public void Free_space_reserve_refuses_proposals_but_not_the_operators_decisions()
    {
        Proposal waiting = Propose().Proposal;
        _limits.Set("free_space_reserve_bytes", 1L << 50);

        var refused = Assert.Throws<LimitReachedException>(() => Propose());
        Decision decision = new OperatorDecisions(_host).Decide(waiting.Id, ResponseStatus.Approved, "fine");

        Assert.Equal("free_space_reserve_bytes", refused.Limit);
        Assert.Contains("low on space", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.Approved, decision.Response.Status);
        Assert.Equal(1, Rows);
    }

    [Fact]
    public void Caps_apply_to_proposals_written_through_the_host_role_too()
    {
        _limits.Set("pending_per_bottle", 1);
        var hostQueue = new QueueStore(_host);
        hostQueue.WriteProposal(Proposal.Create("bottle-a", "git-gate", "", "scan"));

        Assert.Throws<LimitReachedException>(() => hostQueue.WriteProposal(Proposal.Create("bottle-a", "git-gate", "", "scan again")));
    }

    [Fact]
    public void Limits_default_until_set_and_reset_returns_the_default()
    {
        Assert.Equal(20, _limits.Read().PendingPerBottle);

        Assert.Equal(5, _limits.Set("pending_per_bottle", 5).PendingPerBottle);
        Assert.Contains("pending_per_bottle", _limits.ReadChanged());
        Assert.Equal(20, _limits.Reset("pending_per_bottle").PendingPerBottle);
        Assert.DoesNotContain("pending_per_bottle", _limits.ReadChanged());
    }

    [Theory]
    [InlineData("pending_per_bottle", 0)]
    [InlineData("rate_per_hour", -1)]
    [InlineData("no_such_limit", 1)]
    public void Set_refuses_an_unknown_limit_or_a_value_out_of_range(string name, long value)
    {
        var error = Assert.Throws<StorageException>(() => _limits.Set(name, value));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(20, _limits.Read().PendingPerBottle);
    }

    [Fact]
    public void A_sidecar_cannot_change_limits_through_the_store_or_raw_sql()
    {
        BotBottleDatabase sidecar = BotBottleDatabase.OpenSidecar(_temp.Path);

        var denied = Assert.Throws<StorageException>(() => new LimitsStore(sidecar).Set("pending_per_bottle", 1_000_000));
        using SqliteConnection connection = sidecar.OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "INSERT INTO supervise_limits (name, value) VALUES ('pending_per_bottle', 1000000)";
        var raw = Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());

        Assert.Equal(StorageErrorKind.Denied, denied.Kind);
        Assert.Equal(23, raw.SqliteErrorCode);
        Assert.Equal(20, _limits.Read().PendingPerBottle);
    }

    [Fact]
    public void Agent_text_with_terminal_controls_is_refused_naming_the_character_and_where()
    {
        var error = Assert.Throws<StorageException>(() => Propose(file: "ok.example\nevil\u001B[2K.example\n"));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("proposed_file holds U+001B (ESC, starts terminal escape sequences) at line 2, column 5", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, Rows);
    }

    [Theory]
    [InlineData("please\u202Eapprove")]
    [InlineData("line\rcover")]
    [InlineData("bell\u0007")]
    [InlineData("   ")]
    public void Justification_that_could_mislead_or_says_nothing_is_refused(string justification)
    {
        var error = Assert.Throws<StorageException>(() => Propose(justification: justification));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(0, Rows);
    }
}
