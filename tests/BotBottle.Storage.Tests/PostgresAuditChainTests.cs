using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Migrations;
using Npgsql;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>
/// The audit hash chain is one definition on both engines: PostgreSQL's bb_audit_hash is
/// AuditChain.Hash byte for byte, a chain written on SQLite verifies on PostgreSQL, and one
/// written on PostgreSQL (by concurrent writers) verifies with AuditChain.
/// </summary>
public sealed class PostgresAuditChainTests : IDisposable
{
    private readonly TempPostgresDatabase _temp = PostgresServer.CreateDatabase();

    public static TheoryData<string, long, string> Fields => new()
    {
        { AuditChain.Genesis, 1, "" },
        { "ab", 42, "plain words" },
        { "x", long.MaxValue, "é ünïcødé 漢字 🙂 and\nnew\r\nlines\tand 12:colons:" },
        { "", 7, new string('z', 70_000) },
    };

    [Theory]
    [MemberData(nameof(Fields))]
    public void Sql_hash_is_the_csharp_hash(string previous, long id, string text)
    {
        using PostgresDatabase database = _temp.OpenOwner();
        using var connection = new NpgsqlConnection(_temp.OwnerConnection);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT bb_audit_hash($1, $2, $3, $4, $5, $6, $7, $8, $9)", connection);
        foreach (object value in new object[] { previous, id, "2026-11-29T08:00:00.000000Z", "bottle-" + id % 10, "git-gate", "approved", text, text + "!", text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            command.Parameters.Add(value is long number ? new NpgsqlParameter<long> { TypedValue = number } : new NpgsqlParameter<string> { TypedValue = (string)value });
        }

        string expected = AuditChain.Hash(previous, id, "2026-11-29T08:00:00.000000Z", "bottle-" + id % 10, "git-gate", "approved", text, text + "!", text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected, command.ExecuteScalar());
    }

    [Fact]
    public void A_chain_written_on_sqlite_and_exported_verifies_on_postgres_and_migration_0004_rechains_it_identically()
    {
        using var sqlite = new TempDatabase();
        var audit = new AuditStore(sqlite.OpenHost());
        for (int i = 0; i < 5; i++)
        {
            audit.WriteAuditEntry(new AuditEntry(0, DateTimeOffset.UtcNow, "bottle-" + i, "pipelock-block", i % 2 == 0 ? "approved" : "rejected", "note ✓ " + i, "why\n" + i, "+line " + i));
        }

        List<AuditEntry> exported = audit.ReadAuditEntries().OrderBy(static e => e.Id).ToList();
        Assert.True(audit.VerifyChain().Ok);

        // Into a PostgreSQL database at 0003 (no hash columns yet), then up: 0004 chains what exists.
        using PostgresDatabase database = _temp.OpenOwner(migrate: false);
        var migrator = new PostgresMigrator(database);
        migrator.MigrateUp(3);
        foreach (AuditEntry entry in exported)
        {
            PostgresServer.Execute(
                _temp.OwnerConnection,
                $"INSERT INTO supervise_audit_entries (id, timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff) VALUES ({entry.Id}, {Quote(Mapping.SqliteValues.FormatTimestamp(entry.Timestamp))}, {Quote(entry.BottleSlug)}, {Quote(entry.Component)}, {Quote(entry.OperatorAction)}, {Quote(entry.OperatorNotes)}, {Quote(entry.Justification)}, {Quote(entry.Diff)})");
        }

        migrator.MigrateUp();

        Assert.Equal(exported.Select(static e => (e.PrevHash, e.EntryHash)), ReadChain().Select(static e => ((string?)e.PrevHash, (string?)e.EntryHash)));
    }

    [Fact]
    public async Task Concurrent_appenders_on_separate_connections_write_one_contiguous_unforked_chain()
    {
        using PostgresDatabase database = _temp.OpenOwner();
        const int Writers = 6, EntriesEach = 15;
        using var start = new Barrier(Writers);
        Task[] writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            using var connection = new NpgsqlConnection(_temp.OwnerConnection);
            connection.Open();
            start.SignalAndWait();
            for (int i = 0; i < EntriesEach; i++)
            {
                using NpgsqlTransaction transaction = connection.BeginTransaction();
                using var append = new NpgsqlCommand($"SELECT bb_audit_append('2026-11-29T08:00:00.000000Z', 'bottle-{w}', 'git-gate', 'approved', 'n{i}', '', '')", connection, transaction);
                append.ExecuteNonQuery();

                // Every third write rolls back: its number must be reused, not left as a gap.
                if (i % 3 == 2)
                {
                    transaction.Rollback();
                }
                else
                {
                    transaction.Commit();
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);

        List<(long Id, string PrevHash, string EntryHash, string[] Fields)> chain = ReadChain();
        Assert.Equal(Enumerable.Range(1, Writers * EntriesEach * 2 / 3).Select(static i => (long)i), chain.Select(static e => e.Id));
        string previous = AuditChain.Genesis;
        foreach ((long id, string prevHash, string entryHash, string[] f) in chain)
        {
            Assert.Equal(previous, prevHash);
            Assert.Equal(AuditChain.Hash(previous, id, f[0], f[1], f[2], f[3], f[4], f[5], f[6]), entryHash);
            previous = entryHash;
        }
    }

    public void Dispose() => _temp.Dispose();

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private List<(long Id, string PrevHash, string EntryHash, string[] Fields)> ReadChain()
    {
        using var connection = new NpgsqlConnection(_temp.OwnerConnection);
        connection.Open();
        using var read = new NpgsqlCommand("SELECT id, prev_hash, entry_hash, timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff FROM supervise_audit_entries ORDER BY id", connection);
        using NpgsqlDataReader reader = read.ExecuteReader();
        var rows = new List<(long, string, string, string[])>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Enumerable.Range(3, 7).Select(reader.GetString).ToArray()));
        }

        return rows;
    }
}
