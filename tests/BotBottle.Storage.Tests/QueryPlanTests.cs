using System;
using System.Collections.Generic;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Sql;
using Microsoft.Data.Sqlite;
using Xunit;
using BotBottle.Storage.Audit;

namespace BotBottle.Storage.Tests;

/// <summary>The indexes serve the real queries: checked with EXPLAIN QUERY PLAN on the registered SQL.</summary>
public sealed class QueryPlanTests : IDisposable
{
    private readonly TempDatabase _temp = new();
    private readonly BotBottleDatabase _database;

    public QueryPlanTests()
    {
        _database = _temp.OpenHost();
        var queue = new QueueStore(_database);
        for (int i = 0; i < 50; i++)
        {
            Proposal proposal = Proposal.Create("bottle-" + (i % 5), "pipelock-block", "x\n", "why");
            queue.WriteProposal(proposal);
            if (i % 2 == 0)
            {
                queue.ArchiveProposal(proposal.Id);
            }
        }
    }

    public void Dispose() => _temp.Dispose();

    private List<string> Plan(SqlStatement statement, params (string Name, object Value)[] parameters)
    {
        using SqliteConnection connection = _database.OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + statement.Text;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using SqliteDataReader reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return details;
    }

    [Fact]
    public void ListPendingForSlug_uses_the_partial_slug_index_without_sorting()
    {
        List<string> plan = Plan(QueueSql.ListPendingForSlug, ("$bottle_slug", "bottle-1"));

        Assert.Contains(plan, static line => line.Contains("USING INDEX supervise_proposals_pending_by_slug (bottle_slug=?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, static line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
        Assert.Contains(plan, static line => line.Contains("SEARCH r USING", StringComparison.Ordinal));
    }

    [Fact]
    public void ListPendingAll_walks_the_partial_arrival_index_without_sorting()
    {
        List<string> plan = Plan(QueueSql.ListPendingAll);

        Assert.Contains(plan, static line => line.Contains("USING INDEX supervise_proposals_pending", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, static line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, static line => line.StartsWith("SCAN p", StringComparison.Ordinal) && !line.Contains("INDEX", StringComparison.Ordinal));
    }

    [Fact]
    public void SelectAuditBySlug_uses_the_slug_time_index()
    {
        List<string> plan = Plan(AuditSql.SelectAuditBySlug, ("$bottle_slug", "bottle-1"), ("$component", DBNull.Value), ("$since", "0"), ("$until", "9"), ("$limit", -1));

        Assert.Contains(plan, static line => line.Contains("USING INDEX supervise_audit_entries_by_slug", StringComparison.Ordinal));
    }

    [Fact]
    public void SelectAuditByComponent_uses_the_component_time_index()
    {
        List<string> plan = Plan(AuditSql.SelectAuditByComponent, ("$component", "git-gate"), ("$since", "0"), ("$until", "9"), ("$limit", -1));

        Assert.Contains(plan, static line => line.Contains("USING INDEX supervise_audit_entries_by_component", StringComparison.Ordinal));
    }
}
