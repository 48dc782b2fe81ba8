using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;

namespace BotBottle.Benchmarks;

/// <summary>
/// The mapper ratios, measured interleaved: every round runs the generated, hand-written and Dapper
/// reads back to back in a shuffled order, so drift in a shared machine's load hits all three alike.
/// BenchmarkDotNet measures each method in its own stretch of time, and on a noisy VM the gap
/// between stretches is bigger than the 5% being judged.
/// </summary>
internal static class MapperRatio
{
    public static int Run(string output, int rounds)
    {
        var result = new JsonObject();
        foreach (int rows in new[] { 1, 1000 })
        {
            var benchmarks = new MapperBenchmarks { Rows = rows };
            benchmarks.Setup();
            try
            {
                int calls = rows == 1 ? 200 : 2;
                var methods = new (string Name, Action Call)[]
                {
                    ("generated", () => benchmarks.Generated()),
                    ("hand_written", () => benchmarks.HandWritten()),
                    ("dapper", () => benchmarks.Dapper()),
                };
                var samples = methods.ToDictionary(static m => m.Name, static _ => new List<double>());
                var random = new Random(3);
                for (int round = 0; round < rounds + 20; round++)
                {
                    foreach ((string name, Action call) in methods.OrderBy(_ => random.Next()))
                    {
                        long started = Stopwatch.GetTimestamp();
                        for (int i = 0; i < calls; i++)
                        {
                            call();
                        }

                        if (round >= 20)
                        {
                            samples[name].Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds / calls);
                        }
                    }
                }

                double Median(string name) => samples[name].Order().ElementAt(samples[name].Count / 2);
                result[$"rows_{rows}"] = new JsonObject
                {
                    ["generated_us"] = Median("generated"),
                    ["hand_written_us"] = Median("hand_written"),
                    ["dapper_us"] = Median("dapper"),
                    ["generated_over_hand_written"] = Median("generated") / Median("hand_written"),
                    ["dapper_over_generated"] = Median("dapper") / Median("generated"),
                    ["rounds"] = rounds,
                };
            }
            finally
            {
                benchmarks.Cleanup();
            }
        }

        ResultFile.Write(output, result);
        return 0;
    }
}
