namespace BotBottle.Storage.Migrations;

/// <summary>What the schema commands need of a migrator, on either engine (<see cref="Migrator"/>, <see cref="PostgresMigrator"/>).</summary>
public interface ISchemaMigrator
{
    /// <summary>The newest migration this binary embeds.</summary>
    int LatestVersion { get; }

    /// <summary>Applies pending migrations up to <paramref name="targetVersion"/> (default: the newest).</summary>
    MigrationRun MigrateUp(int? targetVersion = null);

    /// <summary>Reverts migrations newer than <paramref name="targetVersion"/>, newest first.</summary>
    MigrationRun MigrateDown(int targetVersion);

    /// <summary>Each migration's state: applied, pending, changed or unknown.</summary>
    MigrationReport GetReport();

    /// <summary>Throws when this binary cannot work with the schema.</summary>
    void EnsureCompatible();
}
