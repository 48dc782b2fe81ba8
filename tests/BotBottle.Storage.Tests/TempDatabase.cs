using System;
using System.IO;
using BotBottle.Storage.Database;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Tests;

/// <summary>A fresh directory per test, with the database path inside it; removed afterwards.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bb-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "db", "bot-bottle.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public BotBottleDatabase OpenHost(bool migrate = true) => BotBottleDatabase.OpenHost(Path, migrate: migrate);

    /// <summary>A plain connection with no policy, for inspecting what the library wrote.</summary>
    public SqliteConnection Raw()
    {
        var connection = new SqliteConnection($"Data Source={Path};Pooling=False");
        connection.Open();
        return connection;
    }

    public object? Scalar(string sql)
    {
        using SqliteConnection connection = Raw();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public string Schema()
    {
        using SqliteConnection connection = Raw();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT type || ' ' || name || ': ' || ifnull(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name;";
        using SqliteDataReader reader = command.ExecuteReader();
        var lines = new System.Text.StringBuilder();
        while (reader.Read())
        {
            lines.AppendLine(reader.GetString(0));
        }

        return lines.ToString();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
