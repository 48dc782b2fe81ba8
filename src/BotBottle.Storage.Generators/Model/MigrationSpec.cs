using BotBottle.Storage.Generators.Helpers;

namespace BotBottle.Storage.Generators.Model
{
    internal enum MigrationDirection
    {
        Up,
        Down,
    }

    /// <summary>One migration file after normalisation (BOM removed, line endings LF).</summary>
    internal sealed record MigrationFileSpec(
        string Path,
        int Version,
        string Name,
        MigrationDirection Direction,
        string Text,
        string Checksum,
        bool Additive,
        DiagnosticInfo? Error);

    /// <summary>An up/down pair as it will be embedded.</summary>
    internal sealed record MigrationSpec(int Version, string Name, string UpSql, string DownSql, string Checksum, bool Additive);

    internal sealed record MigrationTableSpec(EquatableArray<MigrationSpec> Migrations, EquatableArray<DiagnosticInfo> Diagnostics);
}
