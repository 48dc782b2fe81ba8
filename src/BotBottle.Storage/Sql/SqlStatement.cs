namespace BotBottle.Storage.Sql;

/// <summary>
/// A SQL text the stores run. Instances exist only as fields of <see cref="SqlRegistry"/>, so
/// every statement is listed in one place and a test can prepare each against a fresh schema.
/// </summary>
/// <param name="Name">The field's name, for messages and tests.</param>
/// <param name="Text">The SQLite text; parameters are <c>$name</c>; <see cref="PostgresOnly"/> for what only the server does (fleet mode's functions).</param>
/// <param name="Postgres">
/// The PostgreSQL text where the dialects differ (parameters <c>@name</c>); null when the SQLite text
/// works on both once its parameters are renamed (every <c>$</c> becomes <c>@</c>: such texts hold no
/// other <c>$</c>, which a test checks); <see cref="SqliteOnly"/> for statements fleet mode
/// never runs (PRAGMAs, rowid bookkeeping).
/// </param>
internal sealed record SqlStatement(string Name, string Text, string? Postgres = null)
{
    /// <summary>Marks a statement that has no PostgreSQL form because fleet mode does not need it.</summary>
    public const string SqliteOnly = "-- sqlite only";

    /// <summary>Marks a statement that has no SQLite form: a call of a function fleet mode's server keeps the rules in.</summary>
    public const string PostgresOnly = "-- postgres only";

    /// <summary>Whether fleet mode runs this statement.</summary>
    public bool RunsOnPostgres => Postgres != SqliteOnly;

    /// <summary>Whether a single host's SQLite runs this statement.</summary>
    public bool RunsOnSqlite => Text != PostgresOnly;

    /// <summary>The PostgreSQL text: the explicit one, or the SQLite text with <c>$name</c> parameters as <c>@name</c>.</summary>
    public string PostgresText { get; } = Postgres ?? Text.Replace('$', '@');
}
