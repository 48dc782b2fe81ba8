namespace BotBottle.Storage.Migrations;

/// <summary>One migration in a run.</summary>
/// <param name="Version">The migration version.</param>
/// <param name="Name">The migration name.</param>
/// <param name="Direction">"up" or "down".</param>
/// <param name="Sql">The SQL that runs.</param>
public sealed record MigrationStep(int Version, string Name, string Direction, string Sql);
