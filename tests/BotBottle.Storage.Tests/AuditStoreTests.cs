using System;
using System.Linq;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Errors;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class AuditStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDatabase _temp = new();
    private readonly AuditStore _audit;

    public AuditStoreTests() => _audit = new AuditStore(_temp.OpenHost());

    public void Dispose() => _temp.Dispose();

    private AuditEntry Write(string slug = "bottle-a", string component = "pipelock-block", int minutes = 0, string action = "approved")
        => _audit.WriteAuditEntry(new AuditEntry(0, T0.AddMinutes(minutes), slug, component, action, "notes", "why", "--- a\n+++ b\n"));

    [Fact]
    public void WriteAuditEntry_round_trips_and_assigns_increasing_ids()
    {
        AuditEntry first = Write();
        AuditEntry second = Write(action: "rejected");

        Assert.True(first.Id > 0);
        Assert.True(second.Id > first.Id);
        Assert.Equal([first, second], _audit.ReadAuditEntries());
    }

    [Fact]
    public void ReadAuditEntries_filters_by_slug()
    {
        AuditEntry a = Write(slug: "bottle-a");
        Write(slug: "bottle-b");

        Assert.Equal([a.Id], _audit.ReadAuditEntries(new AuditQuery(BottleSlug: "bottle-a")).Select(static e => e.Id));
    }

    [Fact]
    public void ReadAuditEntries_filters_by_component()
    {
        Write(component: "pipelock-block");
        AuditEntry git = Write(component: "git-gate");

        Assert.Equal([git.Id], _audit.ReadAuditEntries(new AuditQuery(Component: "git-gate")).Select(static e => e.Id));
    }

    [Fact]
    public void ReadAuditEntries_filters_by_slug_and_component_together()
    {
        Write(slug: "bottle-a", component: "git-gate");
        AuditEntry match = Write(slug: "bottle-b", component: "git-gate");
        Write(slug: "bottle-b", component: "pipelock-block");

        Assert.Equal([match.Id], _audit.ReadAuditEntries(new AuditQuery(BottleSlug: "bottle-b", Component: "git-gate")).Select(static e => e.Id));
    }

    [Fact]
    public void ReadAuditEntries_filters_by_time_range_and_orders_oldest_first()
    {
        AuditEntry late = Write(minutes: 30);
        Write(minutes: 0);
        AuditEntry middle = Write(minutes: 10);

        var query = new AuditQuery(Since: T0.AddMinutes(10), Until: T0.AddMinutes(31));

        Assert.Equal([middle.Id, late.Id], _audit.ReadAuditEntries(query).Select(static e => e.Id));
    }

    [Fact]
    public void ReadAuditEntries_honours_limit()
    {
        AuditEntry first = Write(minutes: 1);
        Write(minutes: 2);

        Assert.Equal([first.Id], _audit.ReadAuditEntries(new AuditQuery(Limit: 1)).Select(static e => e.Id));
    }

    [Fact]
    public void WriteAuditEntry_throws_invalid_argument_when_slug_is_empty()
    {
        var error = Assert.Throws<StorageException>(() => Write(slug: ""));

        Assert.Equal(StorageErrorKind.InvalidArgument, error.Kind);
        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_audit_entries"));
    }
}
