using System.Collections.Generic;

namespace BotBottle.Storage.Mapping;

/// <summary>
/// The rows a listing could read, in order, and beside them the rows it could not
/// (<see cref="Unreadable"/>): a reader shows those as unreadable and goes on, so one bad row never
/// hides the others.
/// </summary>
/// <typeparam name="T">The row's record.</typeparam>
public sealed class RowList<T> : List<T>
    where T : class
{
    /// <summary>An empty list.</summary>
    public RowList()
    {
    }

    /// <summary>The rows <paramref name="rows"/> and the rows that could not be read, <paramref name="unreadable"/>.</summary>
    public RowList(IEnumerable<T> rows, IReadOnlyList<UnreadableRow> unreadable)
        : base(rows)
    {
        Unreadable = unreadable;
    }

    /// <summary>The rows that could not be read, each with its key and why; empty when every row was read.</summary>
    public IReadOnlyList<UnreadableRow> Unreadable { get; } = [];

    /// <summary>Reads every remaining row of <paramref name="reader"/> with <paramref name="mapper"/>, keeping the unreadable ones aside.</summary>
    internal static RowList<T> Read(System.Data.Common.DbDataReader reader, IRowMapper<T> mapper)
    {
        var unreadable = new List<UnreadableRow>();
        List<T> rows = mapper.ReadAll(reader, unreadable);
        return new RowList<T>(rows, unreadable);
    }
}
