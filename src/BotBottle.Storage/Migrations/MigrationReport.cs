using System.Collections.Generic;

namespace BotBottle.Storage.Migrations;

/// <summary>The database's schema compared with this binary's migrations.</summary>
/// <param name="UserVersion">The database's <c>PRAGMA user_version</c>, which mirrors the newest applied migration.</param>
/// <param name="Migrations">Every migration known here or recorded there, by version.</param>
public sealed record MigrationReport(int UserVersion, IReadOnlyList<MigrationStatus> Migrations);
