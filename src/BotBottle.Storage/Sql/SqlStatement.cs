namespace BotBottle.Storage.Sql;

/// <summary>
/// A SQL text the stores run. Instances exist only as fields of <see cref="SqlRegistry"/>, so
/// every statement is listed in one place and a test can prepare each against a fresh schema.
/// </summary>
internal sealed record SqlStatement(string Name, string Text);
