using System;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class StorageHealthTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CheckHealth_is_ok_for_a_writable_database_above_the_reserve()
    {
        _temp.OpenHost();
        new LimitsStore(_temp.OpenHost()).Set("free_space_reserve_bytes", 0);

        Assert.Equal(StorageHealth.Healthy, new QueueStore(BotBottleDatabase.OpenSidecar(_temp.Path)).CheckHealth());
    }

    [Fact]
    public void CheckHealth_reports_disk_full_below_the_reserve()
    {
        new LimitsStore(_temp.OpenHost()).Set("free_space_reserve_bytes", 1L << 50);

        StorageHealth health = new QueueStore(BotBottleDatabase.OpenSidecar(_temp.Path)).CheckHealth();

        Assert.False(health.Ok);
        Assert.Equal(StorageErrorKind.DiskFull, health.Kind);
        Assert.Contains("below the host's reserve", health.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckHealth_reports_a_schema_the_sidecar_cannot_work_with()
    {
        BotBottleDatabase sidecar = BotBottleDatabase.OpenSidecar(_temp.OpenHost().Path);
        _temp.Scalar("DELETE FROM schema_migrations WHERE version = 6; PRAGMA user_version = 5;");

        StorageHealth health = new QueueStore(sidecar).CheckHealth();

        Assert.False(health.Ok);
        Assert.Equal(StorageErrorKind.Schema, health.Kind);
    }

    [Fact]
    public void CheckHealth_reports_a_database_that_is_gone()
    {
        BotBottleDatabase sidecar = BotBottleDatabase.OpenSidecar(_temp.OpenHost().Path);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(System.IO.Path.GetDirectoryName(_temp.Path)!, recursive: true);

        Assert.False(new QueueStore(sidecar).CheckHealth().Ok);
    }
}
