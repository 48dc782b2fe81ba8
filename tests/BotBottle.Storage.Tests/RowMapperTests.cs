using System;
using System.IO;
using BotBottle.Storage.Database;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>The generated mappers, run against real readers.</summary>
public sealed class RowMapperTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _database;

    public RowMapperTests() => _database = _temp.OpenHost();

    public void Dispose() => _temp.Dispose();

    private T? ReadOne<T>(IRowMapper<T> mapper, string sql)
        where T : class
    {
        using SqliteConnection connection = _database.OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        using SqliteDataReader reader = command.ExecuteReader();
        return mapper.ReadFirstOrDefault(reader);
    }

    [Fact]
    public void ProposalRowMapper_reads_columns_by_name_in_any_order()
    {
        Proposal? proposal = ReadOne(ProposalRowMapper.Instance, "SELECT 1 AS archived, NULL AS current_file, NULL AS current_file_hash, '2026-01-02T03:04:05.0000000Z' AS arrival_timestamp, 'j' AS justification, 'f' AS proposed_file, 't' AS tool, 's' AS bottle_slug, 'i' AS id;");

        Assert.Equal(new Proposal("i", "s", "t", "f", "j", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), null, true), proposal);
    }

    [Fact]
    public void ReadFirstOrDefault_returns_null_for_no_rows()
        => Assert.Null(ReadOne(ResponseRowMapper.Instance, "SELECT proposal_id, status, notes, final_file, archived FROM supervise_responses;"));

    [Fact]
    public void ResponseRowMapper_throws_for_a_status_that_is_not_stored_text()
    {
        var error = Assert.Throws<InvalidDataException>(() => ReadOne(ResponseRowMapper.Instance, "SELECT 'p' AS proposal_id, 'maybe' AS status, '' AS notes, NULL AS final_file, 0 AS archived;"));

        Assert.Contains("approved, modified, rejected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResponseRowMapper_throws_for_a_boolean_other_than_0_or_1()
        => Assert.Throws<InvalidDataException>(() => ReadOne(ResponseRowMapper.Instance, "SELECT 'p' AS proposal_id, 'approved' AS status, '' AS notes, NULL AS final_file, 2 AS archived;"));

    [Fact]
    public void ProposalRowMapper_throws_when_a_non_nullable_column_is_null()
        => Assert.ThrowsAny<InvalidOperationException>(() => ReadOne(ProposalRowMapper.Instance, "SELECT 0 AS archived, NULL AS current_file, NULL AS current_file_hash, '2026-01-02T03:04:05Z' AS arrival_timestamp, 'j' AS justification, 'f' AS proposed_file, 't' AS tool, NULL AS bottle_slug, 'i' AS id;"));

    [Fact]
    public void ResponseStatusSqliteText_round_trips_every_member()
    {
        foreach (ResponseStatus status in Enum.GetValues<ResponseStatus>())
        {
            Assert.Equal(status, ResponseStatusSqliteText.Parse(ResponseStatusSqliteText.ToText(status)));
        }

        Assert.Equal(["approved", "modified", "rejected"], ResponseStatusSqliteText.StoredValues);
    }
}
