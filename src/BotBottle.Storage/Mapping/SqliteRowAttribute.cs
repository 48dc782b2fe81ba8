using System;

namespace BotBottle.Storage.Mapping;

/// <summary>
/// Marks a positional record as a table row. The source generator emits
/// <c>{Record}RowMapper</c> beside it: ordinals resolved once per reader, typed getters,
/// <c>IsDBNull</c> only for nullable members, explicit conversions, no boxing.
/// Supported member types: string, long, int, double, bool (0/1), DateTimeOffset
/// (ISO-8601 UTC text) and enums (snake_case text), each optionally nullable.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SqliteRowAttribute : Attribute
{
}
