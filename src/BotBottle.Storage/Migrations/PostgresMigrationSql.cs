using System.Collections.Generic;

namespace BotBottle.Storage.Migrations;

/// <summary>
/// The PostgreSQL migrator's statements (migration files aside). Every one is listed in
/// <see cref="All"/>, so a test prepares each against a freshly migrated PostgreSQL database.
/// </summary>
internal static class PostgresMigrationSql
{
    public const string TakeMigrationLock = "SELECT pg_advisory_xact_lock($1)";

    public const string CreateMigrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version      integer PRIMARY KEY NOT NULL,
            name         text    NOT NULL,
            checksum     text    NOT NULL,
            additive     bigint  NOT NULL CHECK (additive IN (0, 1)),
            applied_at   text    NOT NULL,
            execution_ms bigint  NOT NULL
        )
        """;

    public const string MigrationsTableExists = "SELECT to_regclass('schema_migrations') IS NOT NULL";

    public const string SelectAppliedMigrations = "SELECT " + AppliedMigrationRowMapper.SelectColumns + " FROM schema_migrations ORDER BY version";

    public const string InsertAppliedMigration = """
        INSERT INTO schema_migrations (version, name, checksum, additive, applied_at, execution_ms)
        VALUES ($1, $2, $3, $4, $5, $6)
        """;

    public const string DeleteAppliedMigration = "DELETE FROM schema_migrations WHERE version = $1";

    public static readonly IReadOnlyList<string> All =
    [
        TakeMigrationLock, CreateMigrationsTable, MigrationsTableExists, SelectAppliedMigrations, InsertAppliedMigration, DeleteAppliedMigration,
    ];
}
