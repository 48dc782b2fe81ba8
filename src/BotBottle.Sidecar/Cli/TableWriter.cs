using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary>Prints rows as aligned columns for people; scripts use --json instead.</summary>
internal static class TableWriter
{
    public static void Write(TextWriter output, string[] headers, IEnumerable<string[]> rows)
    {
        List<string[]> all = [headers, .. rows.Select(static r => r.Select(Clean).ToArray())];
        int[] widths = Enumerable.Range(0, headers.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (string[] row in all)
        {
            var line = new StringBuilder();
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            output.WriteLine(line.ToString().TrimEnd());
        }
    }

    /// <summary>One line, no control characters, at most 60 characters: agent text must not reshape the terminal.</summary>
    public static string Clean(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, 61));
        foreach (char c in value)
        {
            if (builder.Length == 60)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }
}
