using System;
using System.Text.Json;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Json;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class JsonContextTests
{
    [Fact]
    public void Response_serialises_snake_case_with_status_text()
    {
        var response = new Response("p1", ResponseStatus.Modified, "tightened", "final\n", false);

        string json = JsonSerializer.Serialize(response, StorageJsonContext.Default.Response);

        Assert.Equal("""{"proposal_id":"p1","status":"modified","notes":"tightened","final_file":"final\n","archived":false}""", json);
        Assert.Equal(response, JsonSerializer.Deserialize(json, StorageJsonContext.Default.Response));
    }

    [Fact]
    public void Proposal_round_trips_through_json()
    {
        var proposal = new Proposal("p1", "bottle-a", "pipelock-block", "a\n", "why", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), null, false);

        string json = JsonSerializer.Serialize(proposal, StorageJsonContext.Default.Proposal);

        Assert.Contains("\"bottle_slug\":\"bottle-a\"", json, StringComparison.Ordinal);
        Assert.Contains("\"current_file_hash\":null", json, StringComparison.Ordinal);
        Assert.Equal(proposal, JsonSerializer.Deserialize(json, StorageJsonContext.Default.Proposal));
    }

    [Fact]
    public void AuditEntry_uses_the_schema_column_names()
    {
        var entry = new AuditEntry(7, DateTimeOffset.UnixEpoch, "bottle-a", "git-gate", "approved", "n", "j", "d");

        string json = JsonSerializer.Serialize(entry, StorageJsonContext.Default.AuditEntry);

        Assert.Contains("\"operator_action\":\"approved\"", json, StringComparison.Ordinal);
        Assert.Contains("\"operator_notes\":\"n\"", json, StringComparison.Ordinal);
    }
}
