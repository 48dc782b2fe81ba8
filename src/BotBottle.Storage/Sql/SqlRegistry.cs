using System;
using System.Collections.Generic;
using System.Globalization;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Sql;

/// <summary>
/// Every SQL statement the stores and the migrator run (migration files aside), gathered from the
/// feature that owns it (each keeps its SQL beside its store: QueueSql, AuditSql, LimitsSql,
/// MigrationSql, DatabaseSql). A test prepares each one against a freshly migrated database, so
/// schema drift fails the build; another checks that no statement is left out of <see cref="All"/>.
/// </summary>
internal static class SqlRegistry
{
    /// <summary>Every statement of every feature.</summary>
    public static readonly IReadOnlyList<SqlStatement> All =
    [
        .. DatabaseSql.All, .. QueueSql.All, .. LimitsSql.All, .. AuditSql.All, .. MigrationSql.All, .. Bottles.BottleSql.All,
    ];

    /// <summary>Creates a command for <paramref name="statement"/>, enlisted in <paramref name="transaction"/> if any.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, SqlStatement statement)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = statement.Text;
        command.Transaction = transaction;
        return command;
    }

    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static int Execute(SqliteConnection connection, SqliteTransaction? transaction, SqlStatement statement)
    {
        using SqliteCommand command = Command(connection, transaction, statement);
        return command.ExecuteNonQuery();
    }

    public static T? Scalar<T>(SqliteConnection connection, SqliteTransaction? transaction, SqlStatement statement)
    {
        using SqliteCommand command = Command(connection, transaction, statement);
        object? value = command.ExecuteScalar();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }
}
