using System;
using System.Runtime.CompilerServices;

namespace BotBottle.Tests.Fuzzing;

/// <summary>
/// The seed of a test that generates its inputs. Each test has a fixed default, so every CI run
/// sends the same inputs; <c>BOTBOTTLE_FUZZ_SEED</c> replaces it (a number, or <c>random</c> for a
/// fresh one). A failure names the seed and the command that sends the same inputs again.
/// </summary>
public sealed class FuzzSeed
{
    public const string Variable = "BOTBOTTLE_FUZZ_SEED";

    private readonly string _project;
    private readonly string _test;

    private FuzzSeed(int value, string project, string test)
    {
        Value = value;
        _project = project;
        _test = test;
    }

    public int Value { get; }

    /// <summary>
    /// <paramref name="testClass"/>'s <paramref name="test"/> in tests/<paramref name="project"/>,
    /// seeded from the environment or else <paramref name="fallback"/>.
    /// </summary>
    public static FuzzSeed For(int fallback, string project, Type testClass, [CallerMemberName] string test = "")
        => From(Environment.GetEnvironmentVariable(Variable), fallback, project, testClass, test);

    /// <summary><see cref="For"/> with the variable's value given: tests of this class cannot set the process's environment.</summary>
    public static FuzzSeed From(string? given, int fallback, string project, Type testClass, string test)
    {
        ArgumentNullException.ThrowIfNull(testClass);
        int value = given switch
        {
            null or "" => fallback,
            "random" => System.Random.Shared.Next(),
            _ when int.TryParse(given, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int parsed) => parsed,
            _ => throw new ArgumentException($"{Variable}='{given}' is neither a number nor 'random'."),
        };
        return new FuzzSeed(value, project, testClass.FullName + "." + test);
    }

    /// <summary>One generator for the whole run, for tests that generate their cases in order.</summary>
    public Random Random() => new(Value);

    /// <summary>
    /// Case <paramref name="index"/>'s own generator: the same inputs whichever worker takes the case
    /// and however the cases interleave, so a failure names one case that replays exactly.
    /// </summary>
    public Random ForCase(int index)
    {
        // A fixed mix (splitmix64's finaliser); HashCode.Combine differs from process to process.
        ulong mixed = ((ulong)(uint)Value << 32) | (uint)index;
        mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9UL;
        mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebUL;
        return new Random((int)(mixed ^ (mixed >> 31)));
    }

    /// <summary>The one command that runs this test again on the same inputs (after build/publish.sh).</summary>
    public string Replay => $"{Variable}={Value} dotnet test tests/{_project} -c Release --filter \"FullyQualifiedName={_test}\"";

    /// <summary>Runs <paramref name="body"/>; an assertion that fails there carries the seed and the replay command.</summary>
    public void Check(Action body)
    {
        try
        {
            body();
        }
        catch (Exception failure)
        {
            throw new FuzzFailureException(Describe(failure), failure);
        }
    }

    /// <inheritdoc cref="Check(Action)"/>
    public async System.Threading.Tasks.Task CheckAsync(Func<System.Threading.Tasks.Task> body)
    {
        try
        {
            await body().ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            throw new FuzzFailureException(Describe(failure), failure);
        }
    }

    private string Describe(Exception failure) => $"{failure.Message}\nfuzz seed {Value}; replay with: {Replay}";
}

/// <summary>A generated-input test's failure, with its seed and replay command in the message.</summary>
public sealed class FuzzFailureException(string message, Exception inner) : Xunit.Sdk.XunitException(message, inner);
