using System;
using System.Linq;
using System.Reflection;
using BotBottle.Storage.Database;
using BotBottle.Storage.Sql;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class SqlRegistryTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> StatementNames()
    {
        var names = new TheoryData<string>();
        foreach (SqlStatement statement in SqlRegistry.All.Where(static s => s.RunsOnSqlite))
        {
            names.Add(statement.Name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(StatementNames))]
    public void Statement_prepares_against_a_freshly_migrated_database(string name)
    {
        SqlStatement statement = SqlRegistry.All.Single(s => s.Name == name);
        BotBottleDatabase database = _temp.OpenHost();
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = statement.Text;

        // Prepare compiles every statement in the text against the schema: a renamed column or
        // table fails here, not in production.
        command.Prepare();
    }

    [Fact]
    public void All_lists_every_statement_of_every_feature_once()
    {
        // Each feature keeps its SQL beside its store; whichever class holds a statement, it is in All.
        SqlStatement[] fields = typeof(SqlRegistry).Assembly.GetTypes()
            .SelectMany(static t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
            .Where(static f => f.FieldType == typeof(SqlStatement))
            .Select(static f => (SqlStatement)f.GetValue(null)!)
            .ToArray();

        Assert.NotEmpty(fields);
        Assert.Equal(fields.Select(static f => f.Name).Order(), SqlRegistry.All.Select(static s => s.Name).Order());
        Assert.Equal(SqlRegistry.All.Count, SqlRegistry.All.Select(static s => s.Name).Distinct().Count());
    }

    [Fact]
    public void Prepare_fails_for_a_statement_naming_a_missing_column()
    {
        // The check above can fail: a drifted statement does not prepare.
        BotBottleDatabase database = _temp.OpenHost();
        using SqliteConnection connection = database.OpenConnection();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT no_such_column FROM supervise_proposals;";

        Assert.Throws<SqliteException>(() => command.Prepare());
    }
}
