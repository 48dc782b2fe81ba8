using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using BotBottle.Storage.Text;

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

    /// <summary>
    /// One line of at most 60 characters in which nothing can reshape the terminal: controls, bidi
    /// and other invisible characters are shown as escapes (<see cref="AgentText.Visible"/>).
    /// </summary>
    public static string Clean(string value)
    {
        string visible = AgentText.Visible(value, multiline: false);
        if (visible.Length <= 60)
        {
            return visible;
        }

        // Never cut a surrogate pair in half: the half would be an unpaired surrogate on the terminal.
        int cut = char.IsHighSurrogate(visible[59]) ? 59 : 60;
        return visible[..cut] + "…";
    }
}
