namespace BotBottle.Storage.Migrations;

/// <summary>Why the migrator refused or failed.</summary>
public enum MigrationErrorKind
{
    /// <summary>An applied migration's file changed since it was applied.</summary>
    ChecksumMismatch = 1,

    /// <summary>The database holds migrations this binary does not know, and at least one is not additive.</summary>
    UnknownMigrations = 2,

    /// <summary>A migration's SQL failed; it and its tracking row were rolled back.</summary>
    MigrationFailed = 3,

    /// <summary>The requested target version is not one this binary knows.</summary>
    UnknownTarget = 4,

    /// <summary>Reverting needs the down SQL of a migration this binary does not have.</summary>
    CannotRevertUnknown = 5,

    /// <summary>The database lacks migrations this binary needs, and this role may not apply them.</summary>
    SchemaTooOld = 6,
}
