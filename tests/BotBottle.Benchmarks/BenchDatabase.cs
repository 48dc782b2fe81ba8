using System;
using System.IO;
using BotBottle.Storage.Database;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Mapping;
using Microsoft.Data.Sqlite;

namespace BotBottle.Benchmarks;

/// <summary>A scratch host database filled with generated proposals, removed on dispose.</summary>
internal sealed class BenchDatabase : IDisposable
{
    private readonly string _directory;

    public BenchDatabase()
    {
        _directory = Directory.CreateTempSubdirectory("bb-bench-").FullName;
        Path = System.IO.Path.Combine(_directory, "bot-bottle.db");
        Database = BotBottleDatabase.OpenHost(Path);

        // Benchmarks measure the store, not the caps that protect it from a flooding agent.
        var limits = new LimitsStore(Database);
        limits.Set("pending_per_bottle", 1_000_000);
        limits.Set("pending_bytes_per_bottle", 1L << 40);
        limits.Set("rate_burst", 1_000_000);
        limits.Set("rate_per_hour", 100_000_000);
        limits.Set("free_space_reserve_bytes", 0);
    }

    public string Path { get; }

    public BotBottleDatabase Database { get; }

    /// <summary>Inserts <paramref name="count"/> proposals (for bottle "bench" unless <paramref name="slug"/> says otherwise); archived ones get an archived response too.</summary>
    public void AddProposals(int count, bool archived, string prefix, Func<int, string>? slug = null)
    {
        using var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        using SqliteTransaction transaction = connection.BeginTransaction();
        using SqliteCommand insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, current_file_hash, archived, current_file)
            VALUES ($id, $slug, 'pipelock-block', $file, 'the docs live on b.example.com', $at, NULL, $archived, NULL)
            """;
        SqliteParameter id = insert.Parameters.Add("$id", SqliteType.Text);
        SqliteParameter file = insert.Parameters.Add("$file", SqliteType.Text);
        SqliteParameter at = insert.Parameters.Add("$at", SqliteType.Text);
        SqliteParameter slugValue = insert.Parameters.Add("$slug", SqliteType.Text);
        insert.Parameters.AddWithValue("$archived", archived ? 1 : 0);
        using SqliteCommand respond = connection.CreateCommand();
        respond.Transaction = transaction;
        respond.CommandText = "INSERT INTO supervise_responses (proposal_id, status, notes, final_file, archived) VALUES ($id, 'approved', 'ok', NULL, 1)";
        SqliteParameter responseId = respond.Parameters.Add("$id", SqliteType.Text);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < count; i++)
        {
            id.Value = $"{prefix}{i:D28}";
            file.Value = $"a.example.com\nb{i}.example.com\n";
            at.Value = SqliteValues.FormatTimestamp(start.AddSeconds(i));
            slugValue.Value = slug?.Invoke(i) ?? "bench";
            insert.ExecuteNonQuery();
            if (archived)
            {
                responseId.Value = id.Value;
                respond.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
