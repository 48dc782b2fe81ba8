using BotBottle.Storage.Generators.Helpers;

namespace BotBottle.Storage.Generators.Model
{
    internal enum MigrationDirection
    {
        Up,
        Down,
    }

    /// <summary>Which engine a migration file is written for: <c>migrations/</c> or <c>migrations/postgres/</c>.</summary>
    internal enum MigrationDialect
    {
        Sqlite,
        Postgres,
    }

    /// <summary>One migration file after normalisation (BOM removed, line endings LF).</summary>
    internal sealed record MigrationFileSpec(
        string Path,
        MigrationDialect Dialect,
        int Version,
        string Name,
        MigrationDirection Direction,
        string Text,
        string Checksum,
        bool Additive,
        DiagnosticInfo? Error);

    /// <summary>An up/down pair as it will be embedded.</summary>
    internal sealed record MigrationSpec(int Version, string Name, string UpSql, string DownSql, string Checksum, bool Additive);

    /// <summary>Both embedded tables: the SQLite migrations and their PostgreSQL twins (same versions and names).</summary>
    internal sealed record MigrationTableSpec(
        EquatableArray<MigrationSpec> Migrations,
        EquatableArray<MigrationSpec> PostgresMigrations,
        EquatableArray<DiagnosticInfo> Diagnostics);
}
