using System;
using System.Collections.Generic;
using System.Linq;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>The bottles table: registration, heartbeats, the dashboard query, and each sidecar's own row.</summary>
public sealed class BottleStoreTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _host;

    public BottleStoreTests() => _host = _temp.OpenHost();

    public void Dispose() => _temp.Dispose();

    private BottleStatus Find(string slug, DateTimeOffset? now = null) => Assert.Single(new BottleStore(_host).List(now), b => b.Slug == slug);

    [Fact]
    public void List_joins_each_bottle_with_its_pending_count_and_oldest_pending_proposal()
    {
        var sidecar = new BottleStore(BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: "bottle-a"));
        sidecar.Register("bottle-a", "docker", "1.0.0", TimeSpan.FromSeconds(30));
        var queue = new QueueStore(_host);
        Proposal first = queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "", "first")).Proposal;
        Proposal answered = queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "", "answered")).Proposal;
        queue.WriteOrJoinProposal(new ProposalDraft("bottle-a", "git-gate", "", "third"));
        queue.WriteOrJoinProposal(new ProposalDraft("only-proposes", "git-gate", "", "no serve"));
        new OperatorDecisions(_host).Decide(answered.Id, ResponseStatus.Approved, "ok");

        var bottles = new BottleStore(_host).List();

        Assert.Equal(["bottle-a", "only-proposes"], bottles.Select(static b => b.Slug));
        BottleStatus a = bottles[0];
        Assert.Equal(("running", "docker", "1.0.0", 2L), (a.State, a.Backend, a.SidecarVersion, a.Pending));
        Assert.Equal(first.ArrivalTimestamp, a.OldestPendingAt);
        Assert.NotNull(a.LastSeen);
        Assert.Null(a.StoppedAt);
        BottleStatus unregistered = bottles[1];
        Assert.Equal(("unknown", "unregistered", 1L), (unregistered.State, unregistered.Backend, unregistered.Pending));
        Assert.Null(unregistered.LastSeen);
    }

    [Fact]
    public void A_running_bottle_is_stale_after_three_missed_heartbeats_and_a_heartbeat_makes_it_fresh()
    {
        var store = new BottleStore(_host);
        store.Register("bottle-a", "docker", "1.0.0", TimeSpan.FromSeconds(10));
        DateTimeOffset registered = Find("bottle-a").LastSeen!.Value;

        Assert.Equal("running", Find("bottle-a", registered.AddSeconds(29)).State);
        Assert.Equal("stale", Find("bottle-a", registered.AddSeconds(31)).State);

        store.Heartbeat("bottle-a");
        DateTimeOffset beat = Find("bottle-a").LastSeen!.Value;
        Assert.True(beat >= registered);
        Assert.Equal("running", Find("bottle-a", beat.AddSeconds(29)).State);
    }

    [Fact]
    public void Stop_marks_it_stopped_for_good_a_heartbeat_does_not_revive_it_and_registering_again_does()
    {
        var store = new BottleStore(_host);
        store.Register("bottle-a", "docker", "1.0.0", TimeSpan.FromSeconds(10));

        store.Stop("bottle-a");
        store.Heartbeat("bottle-a");
        BottleStatus stopped = Find("bottle-a", DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal("stopped", stopped.State);
        Assert.NotNull(stopped.StoppedAt);

        store.Register("bottle-a", "vm", "1.0.1", TimeSpan.FromSeconds(10));
        BottleStatus again = Find("bottle-a");
        Assert.Equal(("running", "vm", "1.0.1"), (again.State, again.Backend, again.SidecarVersion));
        Assert.Null(again.StoppedAt);
    }

    [Fact]
    public void A_sidecar_writes_its_own_bottles_row_and_no_other_even_with_hand_written_sql()
    {
        new BottleStore(_host).Register("bottle-b", "docker", "1.0.0", TimeSpan.FromSeconds(30));
        BotBottleDatabase sidecarA = BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: "bottle-a");
        var store = new BottleStore(sidecarA);

        store.Register("bottle-a", "docker", "1.0.0", TimeSpan.FromSeconds(30));
        StorageException register = Assert.ThrowsAny<StorageException>(() => store.Register("bottle-b", "docker", "6.6.6", TimeSpan.FromSeconds(30)));
        StorageException stop = Assert.ThrowsAny<StorageException>(() => store.Stop("bottle-b"));
        StorageException heartbeat = Assert.ThrowsAny<StorageException>(() => store.Heartbeat("bottle-b"));
        Assert.All(new[] { register, stop, heartbeat }, static e =>
        {
            Assert.Equal(StorageErrorKind.Denied, e.Kind);
            Assert.Contains("own bottle", e.Message, StringComparison.Ordinal);
        });

        using SqliteConnection connection = sidecarA.OpenConnection();
        foreach (string sql in new[]
        {
            "UPDATE bottles SET state = 'stopped' WHERE slug = 'bottle-b'",
            "UPDATE bottles SET slug = 'bottle-b' WHERE slug = 'bottle-a'",
            "INSERT INTO bottles VALUES ('bottle-c', 'docker', 'running', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z', NULL, 'x', 30)",
        })
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            SqliteException error = Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());
            Assert.Contains("own bottle", error.Message, StringComparison.Ordinal);
        }

        using (SqliteCommand delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM bottles WHERE slug = 'bottle-b'";
            Assert.Equal(23, Assert.Throws<SqliteException>(() => delete.ExecuteNonQuery()).SqliteErrorCode);
        }

        BottleStatus b = Find("bottle-b");
        Assert.Equal(("running", "1.0.0"), (b.State, b.SidecarVersion));
        Assert.Equal("running", Find("bottle-a").State);
        Assert.DoesNotContain(new BottleStore(_host).List(), static x => x.Slug == "bottle-c");
    }

    [Fact]
    public void A_sidecar_opened_for_no_bottle_writes_no_bottles_row()
    {
        var store = new BottleStore(BotBottleDatabase.OpenSidecar(_temp.Path));

        Assert.Equal(StorageErrorKind.Denied, Assert.Throws<StorageException>(() => store.Register("bottle-a", "docker", "1.0.0", TimeSpan.FromSeconds(30))).Kind);
        Assert.Empty(new BottleStore(_host).List());
    }

    [Theory]
    [InlineData("Bad Slug", "docker", "1.0.0", 30)]
    [InlineData("bottle-a", "", "1.0.0", 30)]
    [InlineData("bottle-a", "dock er", "1.0.0", 30)]
    [InlineData("bottle-a", "docker", "1.0.0\u001b[2J", 30)]
    [InlineData("bottle-a", "docker", "1.0.0", 0)]
    [InlineData("bottle-a", "docker", "1.0.0", 3601)]
    public void Register_refuses_bad_input_and_writes_nothing(string slug, string backend, string version, int heartbeatSeconds)
    {
        var error = Assert.Throws<StorageException>(() => new BottleStore(_host).Register(slug, backend, version, TimeSpan.FromSeconds(heartbeatSeconds)));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Empty(new BottleStore(_host).List());
    }
}
