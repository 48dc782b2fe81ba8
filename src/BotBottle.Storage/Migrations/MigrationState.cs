namespace BotBottle.Storage.Migrations;

/// <summary>Where one migration stands between this binary and the database.</summary>
public enum MigrationState
{
    /// <summary>Known here and applied there, with the same checksum.</summary>
    Applied,

    /// <summary>Known here, not yet applied.</summary>
    Pending,

    /// <summary>Applied, but the embedded file's checksum differs from the recorded one.</summary>
    ChecksumMismatch,

    /// <summary>Applied by a newer binary and marked additive: this binary can still work.</summary>
    UnknownAdditive,

    /// <summary>Applied by a newer binary and not additive: this binary must not touch the database.</summary>
    UnknownBreaking,
}
