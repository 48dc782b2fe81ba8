using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;

namespace BotBottle.Benchmarks;

/// <summary>
/// The mapper and ListPendingProposals ratios, measured interleaved: every round runs the generated, hand-written and Dapper
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

        result["list_pending"] = ListPending(rounds);
        ResultFile.Write(output, result);
        return 0;
    }

    /// <summary>ListPendingProposals for one bottle on an empty table, 1k pending, and 1k pending among 100k archived, interleaved.</summary>
    private static JsonObject ListPending(int rounds)
    {
        string[] tables = ["empty", "1k", "1k+100k-archived"];
        var cases = tables.Select(table =>
        {
            var benchmark = new ListPendingBenchmarks { Table = table };
            benchmark.Setup();
            return (Table: table, Benchmark: benchmark, Samples: new List<double>());
        }).ToArray();
        try
        {
            var random = new Random(4);
            for (int round = 0; round < rounds + 20; round++)
            {
                foreach ((string _, ListPendingBenchmarks benchmark, List<double> samples) in cases.OrderBy(_ => random.Next()))
                {
                    long started = Stopwatch.GetTimestamp();
                    benchmark.ForOneBottle();
                    if (round >= 20)
                    {
                        samples.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                    }
                }
            }

            var result = new JsonObject { ["rounds"] = rounds };
            foreach ((string table, _, List<double> samples) in cases)
            {
                result[table + "_us"] = samples.Order().ElementAt(samples.Count / 2);
            }

            return result;
        }
        finally
        {
            foreach ((_, ListPendingBenchmarks benchmark, _) in cases)
            {
                benchmark.Cleanup();
            }
        }
    }
}
