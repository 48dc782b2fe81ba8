using System;
using System.Collections.Generic;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Sql;
using System.Data.Common;

namespace BotBottle.Storage.Limits;

/// <summary>
/// The caps the host sets (<see cref="SuperviseLimits"/>), stored in the database so every
/// sidecar and broker reads the same ones. Reading is open to every role; changing them is the
/// host's alone (a sidecar's authorizer refuses it).
/// </summary>
public sealed class LimitsStore
{
    private readonly IStoreDatabase _database;

    /// <summary>Over <paramref name="database"/>, a host's SQLite file or fleet mode's PostgreSQL: the same rules on either.</summary>
    public LimitsStore(StoreDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database.Engine;
    }

    /// <summary>The limits in force: the defaults, overridden by whatever the host set.</summary>
    public SuperviseLimits Read() => _database.Read(static connection => Read(connection, null));

    /// <summary>The names of the caps the host changed from their defaults.</summary>
    public IReadOnlySet<string> ReadChanged() => _database.Read(static connection =>
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using DbCommand command = SqlRegistry.Command(connection, null, LimitsSql.SelectLimits);
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    });

    /// <summary>Sets the cap named <paramref name="name"/>; it applies to the next proposal on every door.</summary>
    /// <exception cref="StorageException">InvalidArgument for an unknown name or a value out of range; Denied to a sidecar.</exception>
    public SuperviseLimits Set(string name, long value)
    {
        LimitDefinition definition = SuperviseLimits.Find(name);
        definition.Check(value);
        RequireHost();
        return _database.Write((connection, transaction) =>
        {
            using (DbCommand upsert = SqlRegistry.Command(connection, transaction, LimitsSql.UpsertLimit))
            {
                upsert.Bind("$name", definition.Name).Bind("$value", value).ExecuteNonQuery();
            }

            return Read(connection, transaction);
        });
    }

    /// <summary>Returns the cap named <paramref name="name"/> to its compiled-in default.</summary>
    /// <exception cref="StorageException">InvalidArgument for an unknown name; Denied to a sidecar.</exception>
    public SuperviseLimits Reset(string name)
    {
        LimitDefinition definition = SuperviseLimits.Find(name);
        RequireHost();
        return _database.Write((connection, transaction) =>
        {
            using (DbCommand delete = SqlRegistry.Command(connection, transaction, LimitsSql.DeleteLimit))
            {
                delete.Bind("$name", definition.Name).ExecuteNonQuery();
            }

            return Read(connection, transaction);
        });
    }

    internal static SuperviseLimits Read(DbConnection connection, DbTransaction? transaction)
    {
        SuperviseLimits limits = SuperviseLimits.Defaults;
        using DbCommand command = SqlRegistry.Command(connection, transaction, LimitsSql.SelectLimits);
        using DbDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            string name = reader.GetString(0);
            foreach (LimitDefinition definition in SuperviseLimits.Definitions)
            {
                // A value out of range (written by hand) is clamped rather than trusted or fatal.
                if (string.Equals(definition.Name, name, StringComparison.Ordinal))
                {
                    limits = limits.With(name, Math.Clamp(reader.GetInt64(1), definition.Minimum, definition.Maximum));
                }
            }
        }

        return limits;
    }

    private void RequireHost()
    {
        if (_database.Role != DatabaseRole.Host)
        {
            throw new StorageException(StorageErrorKind.Denied, "Only the host changes limits; run 'bot-bottle-sidecar limits set' on the host.");
        }
    }
}
