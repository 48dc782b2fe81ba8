using System;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Migrations;

/// <summary>A refusal or failure of the migrator; the message names the versions and the fix.</summary>
public sealed class MigrationException : StorageException
{
    /// <summary>Creates a migration error.</summary>
    public MigrationException(MigrationErrorKind migrationKind, string message, Exception? innerException = null)
        : base(StorageErrorKind.Schema, message, innerException)
    {
        MigrationKind = migrationKind;
    }

    /// <summary>Creates a failed-migration error; prefer the constructor that names a kind.</summary>
    public MigrationException()
        : this(MigrationErrorKind.MigrationFailed, "A migration failed.")
    {
    }

    /// <summary>Creates a failed-migration error; prefer the constructor that names a kind.</summary>
    public MigrationException(string message)
        : this(MigrationErrorKind.MigrationFailed, message)
    {
    }

    /// <summary>Creates a failed-migration error; prefer the constructor that names a kind.</summary>
    public MigrationException(string message, Exception innerException)
        : this(MigrationErrorKind.MigrationFailed, message, innerException)
    {
    }

    /// <summary>What the migrator refused or what failed.</summary>
    public MigrationErrorKind MigrationKind { get; }
}
