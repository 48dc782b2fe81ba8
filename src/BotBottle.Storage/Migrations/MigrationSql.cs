using System.Collections.Generic;
using BotBottle.Storage.Sql;

namespace BotBottle.Storage.Migrations;

/// <summary>
/// The migrator's statements (migration files aside: they are the schema). Every one is listed in <see cref="All"/>, which <see cref="SqlRegistry.All"/> gathers, so a
/// test prepares each against a freshly migrated database.
/// </summary>
internal static class MigrationSql
{
    // ---- migrations --------------------------------------------------------------------------

    public static readonly SqlStatement CreateMigrationsTable = new(
        nameof(CreateMigrationsTable),
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version      INTEGER PRIMARY KEY NOT NULL,
            name         TEXT    NOT NULL,
            checksum     TEXT    NOT NULL,
            additive     INTEGER NOT NULL CHECK (additive IN (0, 1)),
            applied_at   TEXT    NOT NULL,
            execution_ms INTEGER NOT NULL
        ) STRICT;
        """);

    public static readonly SqlStatement MigrationsTableExists = new(
        nameof(MigrationsTableExists),
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations';");

    public static readonly SqlStatement SelectAppliedMigrations = new(
        nameof(SelectAppliedMigrations),
        "SELECT " + AppliedMigrationRowMapper.SelectColumns + " FROM schema_migrations ORDER BY version;");

    public static readonly SqlStatement InsertAppliedMigration = new(
        nameof(InsertAppliedMigration),
        """
        INSERT INTO schema_migrations (version, name, checksum, additive, applied_at, execution_ms)
        VALUES ($version, $name, $checksum, $additive, $applied_at, $execution_ms);

        """);

    public static readonly SqlStatement DeleteAppliedMigration = new(
        nameof(DeleteAppliedMigration),
        "DELETE FROM schema_migrations WHERE version = $version;");

    public static readonly SqlStatement SelectUserVersion = new(nameof(SelectUserVersion), "PRAGMA user_version;");

    // PRAGMA takes no parameters; SetUserVersion formats an int into this shape.
    public static readonly SqlStatement SetUserVersionTemplate = new(nameof(SetUserVersionTemplate), "PRAGMA user_version = 0;");

    public static readonly IReadOnlyList<SqlStatement> All =
    [
        CreateMigrationsTable, MigrationsTableExists, SelectAppliedMigrations, InsertAppliedMigration, DeleteAppliedMigration, SelectUserVersion, SetUserVersionTemplate,
    ];

    /// <summary>PRAGMA takes no parameters: the version is formatted into the statement.</summary>
    public static SqlStatement SetUserVersion(int version)
        => new(nameof(SetUserVersionTemplate), "PRAGMA user_version = " + version.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";");
}
