using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;

namespace BotBottle.Benchmarks;

/// <summary>One measurement's JSON result, read by build/bench/report.py.</summary>
internal static class ResultFile
{
    public static void Write(string path, JsonObject result)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, result.ToJsonString());
    }

    /// <summary>min, p50, p99 and max of <paramref name="values"/>.</summary>
    public static JsonObject Percentiles(IReadOnlyCollection<double> values)
    {
        double[] sorted = [.. values.Order()];
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new JsonObject
        {
            ["count"] = sorted.Length,
            ["min"] = sorted[0],
            ["p50"] = At(0.50),
            ["p99"] = At(0.99),
            ["max"] = sorted[^1],
        };
    }

    /// <summary>How to start this program again as a child process, with <paramref name="args"/>.</summary>
    public static System.Diagnostics.ProcessStartInfo Self(params string[] args)
    {
        string host = Environment.ProcessPath!;
        var start = new System.Diagnostics.ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ResultFile).Assembly.Location);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
