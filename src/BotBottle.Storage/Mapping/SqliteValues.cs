using System;
using System.Globalization;
using System.IO;

namespace BotBottle.Storage.Mapping;

/// <summary>
/// The conversions between .NET values and their stored form, in one place. Generated mappers
/// and the stores both call these, so what is written is exactly what is read back.
/// </summary>
public static class SqliteValues
{
    /// <summary>
    /// Fixed width with seven fractional digits, so text order is time order and indexes on
    /// timestamp columns sort correctly.
    /// </summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private static readonly string[] AcceptedTimestampFormats =
    {
        TimestampFormat,
        "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:sszzz",
    };

    /// <summary>Formats an instant as ISO-8601 UTC text.</summary>
    public static string FormatTimestamp(DateTimeOffset value)
        => value.ToUniversalTime().ToString(TimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses ISO-8601 text; an offset, if present, is honoured and the result is UTC.</summary>
    /// <exception cref="InvalidDataException">The text is not an ISO-8601 timestamp.</exception>
    public static DateTimeOffset ReadTimestamp(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryReadStoredTimestamp(text, out DateTimeOffset stored))
        {
            return stored;
        }

        if (DateTimeOffset.TryParseExact(
                text,
                AcceptedTimestampFormats,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out DateTimeOffset value))
        {
            return value;
        }

        throw new InvalidDataException($"'{text}' is not an ISO-8601 UTC timestamp such as 2026-01-31T12:00:00.0000000Z.");
    }

    /// <summary>
    /// The fast path for what the store itself writes (<see cref="TimestampFormat"/>, 28 characters):
    /// digits are read in place, because general parsing dominated the cost of reading a row.
    /// </summary>
    private static bool TryReadStoredTimestamp(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != 28 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != '.' || text[27] != 'Z')
        {
            return false;
        }

        if (!TryDigits(text, 0, 4, out int year) || !TryDigits(text, 5, 2, out int month) || !TryDigits(text, 8, 2, out int day)
            || !TryDigits(text, 11, 2, out int hour) || !TryDigits(text, 14, 2, out int minute) || !TryDigits(text, 17, 2, out int second)
            || !TryDigits(text, 20, 7, out int fraction))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction), TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(string text, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            int digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    /// <summary>Reads a 0/1 flag; anything else means the row was not written by bot-bottle.</summary>
    /// <exception cref="InvalidDataException">The value is neither 0 nor 1.</exception>
    public static bool ReadBoolean(long value) => value switch
    {
        0 => false,
        1 => true,
        _ => throw new InvalidDataException($"{value} is not a stored boolean; expected 0 or 1."),
    };

    /// <summary>The stored form of a flag.</summary>
    public static long FormatBoolean(bool value) => value ? 1 : 0;
}
