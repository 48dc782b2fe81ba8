using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Queue;
using Dapper;
using Microsoft.Data.Sqlite;

namespace BotBottle.Benchmarks;

/// <summary>
/// The generated <c>ProposalRowMapper</c> against the same read written by hand with
/// <see cref="SqliteDataReader"/> and against Dapper, on the same query and connection.
/// </summary>
[MemoryDiagnoser]
public class MapperBenchmarks
{
    private const string Sql = "SELECT " + ProposalRowMapper.SelectColumns + " FROM supervise_proposals ORDER BY rowid LIMIT $limit";

    private BenchDatabase _database = null!;
    private SqliteConnection _connection = null!;
    private SqliteCommand _command = null!;

    [Params(1, 1000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _database = new BenchDatabase();
        _database.AddProposals(1000, archived: false, "m");
        _connection = new SqliteConnection($"Data Source={_database.Path}");
        _connection.Open();
        _command = _connection.CreateCommand();
        _command.CommandText = Sql;
        _command.Parameters.AddWithValue("$limit", Rows);
        SqlMapper.AddTypeHandler(new TimestampHandler());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _command.Dispose();
        _connection.Dispose();
        _database.Dispose();
    }

    [Benchmark(Baseline = true)]
    public List<Proposal> Generated()
    {
        using SqliteDataReader reader = _command.ExecuteReader();
        return ProposalRowMapper.Instance.ReadAll(reader);
    }

    [Benchmark]
    public List<Proposal> HandWritten()
    {
        using SqliteDataReader reader = _command.ExecuteReader();
        int id = reader.GetOrdinal("id"), slug = reader.GetOrdinal("bottle_slug"), tool = reader.GetOrdinal("tool"),
            file = reader.GetOrdinal("proposed_file"), justification = reader.GetOrdinal("justification"),
            arrival = reader.GetOrdinal("arrival_timestamp"), hash = reader.GetOrdinal("current_file_hash"),
            archived = reader.GetOrdinal("archived"), current = reader.GetOrdinal("current_file");
        var rows = new List<Proposal>();
        while (reader.Read())
        {
            rows.Add(new Proposal(
                reader.GetString(id),
                reader.GetString(slug),
                reader.GetString(tool),
                reader.GetString(file),
                reader.GetString(justification),
                SqliteValues.ReadTimestamp(reader.GetString(arrival)),
                reader.IsDBNull(hash) ? null : reader.GetString(hash),
                SqliteValues.ReadBoolean(reader.GetInt64(archived)),
                reader.IsDBNull(current) ? null : reader.GetString(current)));
        }

        return rows;
    }

    [Benchmark]
    public List<DapperProposal> Dapper() => _connection.Query<DapperProposal>(Sql, new { limit = Rows }).AsList();

    /// <summary>Dapper's target: the same columns as settable properties.</summary>
    public sealed class DapperProposal
    {
        public string Id { get; set; } = string.Empty;

        public string Bottle_Slug { get; set; } = string.Empty;

        public string Tool { get; set; } = string.Empty;

        public string Proposed_File { get; set; } = string.Empty;

        public string Justification { get; set; } = string.Empty;

        public DateTimeOffset Arrival_Timestamp { get; set; }

        public string? Current_File_Hash { get; set; }

        public bool Archived { get; set; }

        public string? Current_File { get; set; }
    }

    /// <summary>Teaches Dapper the store's timestamp text, as the generated mapper knows it.</summary>
    private sealed class TimestampHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override DateTimeOffset Parse(object value) => SqliteValues.ReadTimestamp((string)value);

        public override void SetValue(System.Data.IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = SqliteValues.FormatTimestamp(value);
    }
}
