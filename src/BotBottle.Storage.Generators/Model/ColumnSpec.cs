namespace BotBottle.Storage.Generators.Model
{
    /// <summary>One constructor parameter of a row record and the column it reads.</summary>
    /// <param name="ParameterName">The primary-constructor parameter.</param>
    /// <param name="ColumnName">The SQL column (snake_case of the parameter unless [SqliteColumn] says otherwise).</param>
    /// <param name="Kind">How the value is read and converted.</param>
    /// <param name="IsNullable">Whether NULL is allowed; only then is <c>IsDBNull</c> consulted.</param>
    /// <param name="EnumTypeName">The enum's fully qualified name, for <see cref="ColumnKind.Enum"/> only.</param>
    /// <param name="EnumHelperName">The fully qualified generated text converter of that enum.</param>
    internal sealed record ColumnSpec(
        string ParameterName,
        string ColumnName,
        ColumnKind Kind,
        bool IsNullable,
        string? EnumTypeName,
        string? EnumHelperName);
}
