using System;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Sql;
using Microsoft.Data.Sqlite;
using Xunit;
using BotBottle.Storage.Audit;

namespace BotBottle.Storage.Tests;

public sealed class ConnectionPolicyTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    private static object? Pragma(SqliteConnection connection, string name)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name + ";";
        return command.ExecuteScalar();
    }

    [Fact]
    public void OpenConnection_applies_wal_busy_timeout_foreign_keys_and_normal_sync()
    {
        BotBottleDatabase database = _temp.OpenHost();

        using SqliteConnection connection = database.OpenConnection();

        Assert.Equal("wal", Pragma(connection, "journal_mode"));
        Assert.Equal(5000L, Pragma(connection, "busy_timeout"));
        Assert.Equal(1L, Pragma(connection, "foreign_keys"));
        Assert.Equal(1L, Pragma(connection, "synchronous"));
    }

    [Fact]
    public void OpenConnection_applies_full_sync_when_selected()
    {
        BotBottleDatabase database = BotBottleDatabase.OpenHost(_temp.Path, SynchronousMode.Full);

        using SqliteConnection connection = database.OpenConnection();

        Assert.Equal(2L, Pragma(connection, "synchronous"));
    }

    [Fact]
    public async Task Write_holds_the_write_lock_from_begin()
    {
        BotBottleDatabase database = _temp.OpenHost();
        using var insideWrite = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        Task writer = Task.Run(() => database.Write((connection, transaction) =>
        {
            // No statement has run yet: only BEGIN IMMEDIATE can be holding the lock.
            insideWrite.Set();
            release.Wait(TimeSpan.FromSeconds(10));
            return 0;
        }));

        Assert.True(insideWrite.Wait(TimeSpan.FromSeconds(10)));
        using SqliteConnection other = _temp.Raw();
        using SqliteCommand noWait = other.CreateCommand();
        noWait.CommandText = "PRAGMA busy_timeout = 0;";
        noWait.ExecuteNonQuery();
        using SqliteCommand begin = other.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";

        // Bound Microsoft.Data.Sqlite's own managed busy retry, which would otherwise wait 30 s.
        begin.CommandTimeout = 1;
        var error = Assert.Throws<SqliteException>(() => begin.ExecuteNonQuery());
        Assert.Equal(5, error.SqliteErrorCode);

        release.Set();
        await writer;
    }

    [Fact]
    public void Write_rolls_back_everything_when_the_work_throws()
    {
        BotBottleDatabase database = _temp.OpenHost();

        Assert.Throws<InvalidOperationException>(() => database.Write<int>((connection, transaction) =>
        {
            using System.Data.Common.DbCommand insert = SqlRegistry.Command(connection, transaction, AuditSql.InsertAuditEntry)
                .Bind("$timestamp", "2026-01-01T00:00:00.0000000Z").Bind("$bottle_slug", "a").Bind("$component", "c")
                .Bind("$operator_action", "approved").Bind("$operator_notes", "").Bind("$justification", "").Bind("$diff", "");
            insert.ExecuteScalar();
            throw new InvalidOperationException("half-way");
        }));

        Assert.Equal(0L, _temp.Scalar("SELECT count(*) FROM supervise_audit_entries"));
    }
}
