using System.Collections.Generic;
using System.Data.Common;

namespace BotBottle.Storage.Mapping;

/// <summary>Reads rows of <typeparamref name="T"/>; implemented by generated mappers.</summary>
/// <typeparam name="T">A record marked <see cref="SqliteRowAttribute"/>.</typeparam>
public interface IRowMapper<T>
    where T : class
{
    /// <summary>The columns the mapper reads, comma-separated, for SELECT lists.</summary>
    string Columns { get; }

    /// <summary>Reads every remaining row of <paramref name="reader"/>.</summary>
    List<T> ReadAll(DbDataReader reader);

    /// <summary>
    /// Reads every remaining row; a row whose values do not map (an unparseable timestamp, an
    /// undeclared enum text, a NULL where none belongs) goes to <paramref name="unreadable"/> with its
    /// key and why, and reading goes on.
    /// </summary>
    List<T> ReadAll(DbDataReader reader, ICollection<UnreadableRow> unreadable);

    /// <summary>Reads the next row, or returns null when there is none.</summary>
    T? ReadFirstOrDefault(DbDataReader reader);
}
