using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

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

    /// <summary>
    /// Every statement fleet mode runs on PostgreSQL: the stores' (the connection policy and the
    /// SQLite migrator's have no PostgreSQL form; <see cref="PostgresMigrationSql"/> is the migrator's).
    /// </summary>
    public static readonly IReadOnlyList<SqlStatement> AllPostgres =
    [
        .. ((IEnumerable<SqlStatement>)[.. QueueSql.All, .. LimitsSql.All, .. AuditSql.All, .. Bottles.BottleSql.All]).Where(static s => s.RunsOnPostgres),
    ];

    /// <summary>A command for <paramref name="statement"/> in the connection's dialect. The caller disposes it.</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, SqlStatement statement)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = connection is NpgsqlConnection
            ? statement.RunsOnPostgres ? statement.PostgresText : throw new InvalidOperationException($"{statement.Name} has no PostgreSQL form.")
            : statement.RunsOnSqlite ? statement.Text : throw new InvalidOperationException($"{statement.Name} has no SQLite form.");
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds a parameter named as the SQLite text names it (<c>$name</c>); null becomes SQL NULL.</summary>
    public static DbCommand Bind(this DbCommand command, string name, object? value)
    {
        DbParameter parameter = command.CreateParameter();

        // Npgsql matches @name placeholders by the bare name.
        parameter.ParameterName = command is NpgsqlCommand ? name.TrimStart('$') : name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>Runs a statement that returns no rows; the number of rows it changed.</summary>
    public static int Execute(DbConnection connection, DbTransaction? transaction, SqlStatement statement)
    {
        using DbCommand command = Command(connection, transaction, statement);
        return command.ExecuteNonQuery();
    }

    /// <summary>The first column of the first row, converted; default when there is none or it is NULL.</summary>
    public static T? Scalar<T>(DbConnection connection, DbTransaction? transaction, SqlStatement statement)
    {
        using DbCommand command = Command(connection, transaction, statement);
        object? value = command.ExecuteScalar();
        if (value is null or DBNull)
        {
            return default;
        }

        // The few types the store reads this way, converted by hand: Convert.ChangeType would bring every
        // IConvertible conversion (dates, time zones) into every executable.
        return value switch
        {
            T same => same,
            _ when typeof(T) == typeof(long) => (T)(object)Convert.ToInt64(value, CultureInfo.InvariantCulture),
            _ when typeof(T) == typeof(int) => (T)(object)Convert.ToInt32(value, CultureInfo.InvariantCulture),
            _ => throw new InvalidCastException($"{statement.Name} returned {value.GetType().Name}, not {typeof(T).Name}."),
        };
    }
}
