using System;

namespace BotBottle.Storage.Mapping;

/// <summary>Names the column a row member reads when it is not the snake_case of the member.</summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, Inherited = false)]
public sealed class SqliteColumnAttribute : Attribute
{
    /// <summary>Reads <paramref name="name"/> instead of the snake_case member name.</summary>
    public SqliteColumnAttribute(string name) => Name = name;

    /// <summary>The column name.</summary>
    public string Name { get; }
}
