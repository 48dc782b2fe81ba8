using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace BotBottle.Benchmarks;

/// <summary>
/// <c>inproc [BenchmarkDotNet args]</c> runs the in-process benchmarks; the other verbs are the
/// cross-process measurements build/bench.sh drives, each writing one JSON result file.
/// </summary>
internal static class Program
{
    /// <summary>
    /// In-process: no generated project to build (it would inherit this repository's analyzers
    /// and warnings-as-errors). BENCH_QUICK=1 trades precision for time.
    /// </summary>
    private static ManualConfig InProcessConfig()
    {
        bool quick = Environment.GetEnvironmentVariable("BENCH_QUICK") is { Length: > 0 };
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(quick ? 1 : 3)
            .WithIterationCount(quick ? 5 : 25);
        return DefaultConfig.Instance.AddJob(job);
    }

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: BotBottle.Benchmarks inproc [BenchmarkDotNet args] | wake OUT ROUNDS [--late] | mapper-ratio OUT ROUNDS | answer-loop DB | idle-cpu OUT WAITERS SECONDS | serve-load OUT URL CLIENTS SECONDS | waits-under-load OUT BINARY WAITS SECONDS");
            return 2;
        }

        string[] rest = args[1..];
        switch (args[0])
        {
            case "inproc":
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, InProcessConfig());
                return 0;
            case "wake":
                return await WakeLatency.RunAsync(rest[0], int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture), late: rest.Length > 2 && rest[2] == "--late");
            case "mapper-ratio":
                return MapperRatio.Run(rest[0], int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture));
            case "answer-loop":
                return WakeLatency.AnswerLoop(rest[0]);
            case "idle-cpu":
                return await IdleCpu.RunAsync(rest[0], int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture), double.Parse(rest[2], System.Globalization.CultureInfo.InvariantCulture));
            case "serve-load":
                return await ServeLoad.RunAsync(rest[0], new Uri(rest[1]), int.Parse(rest[2], System.Globalization.CultureInfo.InvariantCulture), double.Parse(rest[3], System.Globalization.CultureInfo.InvariantCulture));
            case "waits-under-load":
                return await WaitsUnderLoad.RunAsync(rest[0], rest[1], int.Parse(rest[2], System.Globalization.CultureInfo.InvariantCulture), double.Parse(rest[3], System.Globalization.CultureInfo.InvariantCulture));
            default:
                await Console.Error.WriteLineAsync("unknown verb " + args[0]);
                return 2;
        }
    }
}
