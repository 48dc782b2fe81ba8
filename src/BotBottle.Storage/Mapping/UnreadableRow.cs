using System;
using System.Data.Common;
using System.Globalization;
using System.IO;

namespace BotBottle.Storage.Mapping;

/// <summary>
/// A stored row a reader could not map (written by hand, by a damaged or older writer): listed
/// beside the readable ones with its key and why, so one bad row never hides the rest.
/// </summary>
/// <param name="Key">The row's first selected column (its id, or a bottle's slug), as text.</param>
/// <param name="Reason">Why it could not be read.</param>
public sealed record UnreadableRow(string Key, string Reason)
{
    /// <summary>Whether <paramref name="exception"/>, thrown while mapping a row, means the row's values are bad (not that the connection failed).</summary>
    public static bool IsUnreadable(Exception exception)
        => exception is InvalidDataException or InvalidCastException or FormatException or OverflowException or ArgumentException;

    /// <summary>The row under <paramref name="reader"/>'s cursor, which <paramref name="exception"/> says is unreadable.</summary>
    public static UnreadableRow From(DbDataReader reader, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(exception);
        string key;
        try
        {
            key = reader.IsDBNull(0) ? "(null)" : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture) ?? "(null)";
        }
        catch (Exception unreadableKey) when (IsUnreadable(unreadableKey))
        {
            key = "(unreadable)";
        }

        return new UnreadableRow(key, exception.Message);
    }
}
