using System;
using System.Threading;
using BotBottle.Storage.Errors;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>The one rule for a wait's length, in each unit a door gives it in.</summary>
public sealed class WaitLimitsTests
{
    private static readonly TimeSpan Year = TimeSpan.FromDays(365);

    [Fact]
    public void A_wait_is_zero_to_a_year_or_without_a_limit()
    {
        Assert.Equal(TimeSpan.Zero, WaitLimits.Check(TimeSpan.Zero));
        Assert.Equal(Year, WaitLimits.Check(Year));
        Assert.Equal(Timeout.InfiniteTimeSpan, WaitLimits.Check(Timeout.InfiniteTimeSpan));

        Assert.Equal("timeout must be from 0 to 365.00:00:00 (a year), or no limit.", Refusal(() => WaitLimits.Check(TimeSpan.FromMilliseconds(-2))));
        Assert.Equal("timeout must be from 0 to 365.00:00:00 (a year), or no limit.", Refusal(() => WaitLimits.Check(Year + TimeSpan.FromTicks(1))));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(31_536_000.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Seconds_on_a_command_line_outside_the_rule_are_refused_naming_the_option(double seconds)
        => Assert.Equal("--timeout must be from 0 to 31536000 seconds (a year), or no limit.", Refusal(() => WaitLimits.FromSeconds(seconds, "--timeout")));

    [Fact]
    public void Seconds_on_a_command_line_inside_the_rule_are_taken()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, WaitLimits.FromSeconds(null, "--timeout"));
        Assert.Equal(TimeSpan.FromSeconds(1.5), WaitLimits.FromSeconds(1.5, "--timeout"));
        Assert.Equal(Year, WaitLimits.FromSeconds(Year.TotalSeconds, "--timeout"));
    }

    [Theory]
    [InlineData(-2L)]
    [InlineData(long.MinValue)]
    [InlineData(31_536_000_001L)]
    public void Milliseconds_on_the_broker_wire_outside_the_rule_are_refused_naming_the_field(long milliseconds)
        => Assert.Equal("timeout_ms must be from 0 to 31536000000 ms (a year), or no limit.", Refusal(() => WaitLimits.FromMilliseconds(milliseconds, "timeout_ms")));

    [Fact]
    public void Milliseconds_on_the_broker_wire_round_trip()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, WaitLimits.FromMilliseconds(-1, "timeout_ms"));
        Assert.Equal(Year, WaitLimits.FromMilliseconds(31_536_000_000L, "timeout_ms"));
        Assert.Equal(-1, WaitLimits.ToMilliseconds(Timeout.InfiniteTimeSpan));
        Assert.Equal(2, WaitLimits.ToMilliseconds(TimeSpan.FromTicks(15_000)));
        Assert.Equal(31_536_000_000L, WaitLimits.ToMilliseconds(Year));
        Assert.Throws<StorageException>(() => WaitLimits.ToMilliseconds(TimeSpan.FromSeconds(-1)));
    }

    private static string Refusal(Func<TimeSpan> call)
    {
        StorageException refused = Assert.Throws<StorageException>(() => call());
        Assert.Equal(StorageErrorKind.InvalidArgument, refused.Kind);
        return refused.Message;
    }
}
