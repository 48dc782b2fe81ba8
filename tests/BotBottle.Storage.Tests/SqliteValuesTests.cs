using System;
using System.Globalization;
using System.IO;
using BotBottle.Storage.Mapping;
using BotBottle.Tests.Fuzzing;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class SqliteValuesTests
{
    [Fact]
    public void ReadTimestamp_round_trips_what_FormatTimestamp_writes_to_the_tick()
    {
        FuzzSeed seed = FuzzSeed.For(7, "BotBottle.Storage.Tests", GetType());
        seed.Check(() =>
        {
            Random random = seed.Random();
            for (int i = 0; i < 10_000; i++)
            {
                var instant = new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), TimeSpan.Zero);

                Assert.Equal(instant, SqliteValues.ReadTimestamp(SqliteValues.FormatTimestamp(instant)));
            }
        });
    }

    [Fact]
    public void ReadTimestamp_agrees_with_general_parsing_on_the_stored_format()
    {
        const string Text = "2026-02-28T23:59:59.1234567Z";

        DateTimeOffset expected = DateTimeOffset.ParseExact(Text, SqliteValues.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        Assert.Equal(expected, SqliteValues.ReadTimestamp(Text));
        Assert.Equal(TimeSpan.Zero, SqliteValues.ReadTimestamp(Text).Offset);
    }

    [Theory]
    [InlineData("2026-01-31T12:00:00Z", "2026-01-31T12:00:00.0000000Z")]
    [InlineData("2026-01-31T14:00:00.5+02:00", "2026-01-31T12:00:00.5000000Z")]
    public void ReadTimestamp_accepts_other_iso_forms_and_returns_utc(string text, string stored)
        => Assert.Equal(stored, SqliteValues.FormatTimestamp(SqliteValues.ReadTimestamp(text)));

    [Theory]
    [InlineData("2026-13-01T00:00:00.0000000Z")]
    [InlineData("2026-02-30T00:00:00.0000000Z")]
    [InlineData("2026-01-01T24:00:00.0000000Z")]
    [InlineData("2026-01-01T00:00:00.000000xZ")]
    [InlineData("2026/01/01T00:00:00.0000000Z")]
    [InlineData("")]
    [InlineData("yesterday")]
    public void ReadTimestamp_throws_for_text_that_is_not_a_timestamp(string text)
        => Assert.Throws<InvalidDataException>(() => SqliteValues.ReadTimestamp(text));
}
