using System;
using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Migrations;

/// <summary>A row of <c>schema_migrations</c>: a migration as the database recorded it.</summary>
/// <param name="Version">The migration's version.</param>
/// <param name="Name">Its name when it was applied.</param>
/// <param name="Checksum">Its checksum when it was applied.</param>
/// <param name="Additive">Whether it was marked additive.</param>
/// <param name="AppliedAt">When it was applied (UTC).</param>
/// <param name="ExecutionMs">How long its SQL took.</param>
[SqliteRow]
public sealed record AppliedMigration(int Version, string Name, string Checksum, bool Additive, DateTimeOffset AppliedAt, long ExecutionMs);
