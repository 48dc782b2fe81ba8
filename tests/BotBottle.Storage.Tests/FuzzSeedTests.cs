using System;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using BotBottle.Tests.Fuzzing;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class FuzzSeedTests
{
    [Fact]
    public void A_failure_names_the_seed_and_a_replay_command_that_selects_the_failing_test()
    {
        FuzzSeed seed = FuzzSeed.From("41", 7, "BotBottle.Storage.Tests", typeof(SqliteValuesTests), nameof(SqliteValuesTests.ReadTimestamp_round_trips_what_FormatTimestamp_writes_to_the_tick));

        FuzzFailureException failure = Assert.Throws<FuzzFailureException>(() => seed.Check(static () => Assert.Equal(1, 2)));

        Assert.Contains("Assert.Equal() Failure", failure.Message, StringComparison.Ordinal);
        Assert.Contains("fuzz seed 41; replay with: BOTBOTTLE_FUZZ_SEED=41 dotnet test tests/BotBottle.Storage.Tests -c Release --filter \"FullyQualifiedName=BotBottle.Storage.Tests.SqliteValuesTests.ReadTimestamp_round_trips_what_FormatTimestamp_writes_to_the_tick\"", failure.Message, StringComparison.Ordinal);

        // The filter names a test method that exists, so the printed command runs exactly that test.
        string name = Regex.Match(failure.Message, "FullyQualifiedName=([^\"]+)\"").Groups[1].Value;
        int dot = name.LastIndexOf('.');
        MethodInfo? method = typeof(SqliteValuesTests).Assembly.GetType(name[..dot])?.GetMethod(name[(dot + 1)..]);
        Assert.NotNull(method?.GetCustomAttribute<FactAttribute>());
    }

    [Fact]
    public void The_variable_chooses_the_seed_and_a_bad_value_is_refused()
    {
        Assert.Equal(7, FuzzSeed.From(null, 7, "p", GetType(), "t").Value);
        Assert.Equal(7, FuzzSeed.From("", 7, "p", GetType(), "t").Value);
        Assert.Equal(-12, FuzzSeed.From("-12", 7, "p", GetType(), "t").Value);
        Assert.Contains("neither a number nor 'random'", Assert.Throws<ArgumentException>(() => FuzzSeed.From("12x", 7, "p", GetType(), "t")).Message, StringComparison.Ordinal);
        Assert.True(Enumerable.Range(0, 5).Select(_ => FuzzSeed.From("random", 7, "p", GetType(), "t").Value).Distinct().Count() > 1);
    }

    [Fact]
    public void A_case_draws_the_same_inputs_whatever_else_ran_and_cases_differ()
    {
        FuzzSeed seed = FuzzSeed.From("5", 0, "p", GetType(), "t");
        int[] Draw(int index) => NextEight(seed.ForCase(index));

        Assert.Equal(Draw(3), Draw(3));
        Assert.NotEqual(Draw(3), Draw(4));
        Assert.NotEqual(Draw(3), NextEight(FuzzSeed.From("6", 0, "p", GetType(), "t").ForCase(3)));
    }

    private static int[] NextEight(Random random) => Enumerable.Range(0, 8).Select(_ => random.Next()).ToArray();
}
