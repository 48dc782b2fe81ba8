using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace BotBottle.Storage.Audit;

/// <summary>
/// Line-based unified diffs (the <c>diff -u</c> format) for the audit log, using Myers' shortest
/// edit script. Files that differ too much to diff cheaply are shown as one replace hunk.
/// </summary>
public static class UnifiedDiff
{
    // Myers keeps O(D²) of its trace; past this edit distance a whole-file replace is cheaper and as readable.
    private const int MaxEditDistance = 4000;

    private enum Op
    {
        Equal,
        Delete,
        Insert,
    }

    /// <summary>
    /// The most of a diff an audit entry holds (UTF-8 bytes). Answering a proposal then costs a
    /// bounded amount of disk, so the host's free-space reserve always leaves room for the operator to
    /// answer every pending proposal; the whole files stay in the proposal's and response's rows.
    /// </summary>
    public const int MaxAuditDiffBytes = 64 * 1024;

    /// <summary>
    /// <paramref name="diff"/> as an audit entry keeps it: whole when it fits
    /// <see cref="MaxAuditDiffBytes"/>, else cut at a line boundary and ended with a line that says
    /// how much was kept and where the full files are (<c>queue show PROPOSAL</c>).
    /// </summary>
    public static string ForAudit(string diff, string proposalId)
    {
        ArgumentNullException.ThrowIfNull(diff);
        int total = Encoding.UTF8.GetByteCount(diff);
        if (total <= MaxAuditDiffBytes)
        {
            return diff;
        }

        // Room for the closing line; keep whole lines only.
        int budget = MaxAuditDiffBytes - 512;
        int kept = 0, bytes = 0;
        while (kept < diff.Length)
        {
            int end = diff.IndexOf('\n', kept);
            end = end < 0 ? diff.Length : end + 1;
            int lineBytes = Encoding.UTF8.GetByteCount(diff.AsSpan(kept, end - kept));
            if (bytes + lineBytes > budget)
            {
                break;
            }

            bytes += lineBytes;
            kept = end;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{diff[..kept]}\\ diff cut at {bytes} of {total} bytes; the full files are in the queue: queue show {proposalId}\n");
    }

    /// <summary>A unified diff from <paramref name="oldText"/> to <paramref name="newText"/>; empty when equal.</summary>
    /// <param name="oldText">The current file; null when there is none.</param>
    /// <param name="newText">The new file.</param>
    /// <param name="oldLabel">The name on the <c>---</c> line.</param>
    /// <param name="newLabel">The name on the <c>+++</c> line.</param>
    /// <param name="context">Unchanged lines kept around each change.</param>
    public static string Create(string? oldText, string newText, string oldLabel = "current", string newLabel = "final", int context = 3)
    {
        ArgumentNullException.ThrowIfNull(newText);
        (string[] a, bool aEndsWithNewline) = SplitLines(oldText ?? string.Empty);
        (string[] b, bool bEndsWithNewline) = SplitLines(newText);
        List<Edit> edits = SplitNewlineChanges(Diff(a, b), a.Length, b.Length, aEndsWithNewline, bEndsWithNewline);
        if (!edits.Exists(static e => e.Op != Op.Equal))
        {
            return string.Empty;
        }

        var output = new StringBuilder();
        output.Append("--- ").Append(oldText is null ? "/dev/null" : oldLabel).Append('\n');
        output.Append("+++ ").Append(newLabel).Append('\n');

        int i = 0;
        while (i < edits.Count)
        {
            int firstChange = edits.FindIndex(i, static e => e.Op != Op.Equal);
            int start = Math.Max(i, firstChange - context);
            int end = firstChange;
            for (int j = firstChange; j < edits.Count; j++)
            {
                if (edits[j].Op != Op.Equal)
                {
                    end = j;
                }
                else if (j - end > 2 * context)
                {
                    break;
                }
            }

            int stop = Math.Min(edits.Count, end + context + 1);
            WriteHunk(output, edits, start, stop, a, b, aEndsWithNewline, bEndsWithNewline);
            i = stop;
            if (edits.FindIndex(i, static e => e.Op != Op.Equal) < 0)
            {
                break;
            }
        }

        return output.ToString();
    }

    private static void WriteHunk(StringBuilder output, List<Edit> edits, int start, int stop, string[] a, string[] b, bool aEndsWithNewline, bool bEndsWithNewline)
    {
        int oldCount = 0, newCount = 0;
        for (int j = start; j < stop; j++)
        {
            oldCount += edits[j].Op != Op.Insert ? 1 : 0;
            newCount += edits[j].Op != Op.Delete ? 1 : 0;
        }

        int oldStart = edits[start].OldIndex + (oldCount == 0 ? 0 : 1);
        int newStart = edits[start].NewIndex + (newCount == 0 ? 0 : 1);
        output.Append(CultureInfo.InvariantCulture, $"@@ -{oldStart},{oldCount} +{newStart},{newCount} @@\n");

        for (int j = start; j < stop; j++)
        {
            Edit edit = edits[j];
            (char marker, string line, bool unterminated) = edit.Op switch
            {
                // After SplitNewlineChanges an unchanged line is unterminated in both files or in neither.
                Op.Equal => (' ', a[edit.OldIndex], !aEndsWithNewline && edit.OldIndex == a.Length - 1),
                Op.Delete => ('-', a[edit.OldIndex], !aEndsWithNewline && edit.OldIndex == a.Length - 1),
                _ => ('+', b[edit.NewIndex], !bEndsWithNewline && edit.NewIndex == b.Length - 1),
            };
            output.Append(marker).Append(line).Append('\n');
            if (unterminated)
            {
                output.Append("\\ No newline at end of file\n");
            }
        }
    }

    /// <summary>
    /// A line that is the unterminated last line of one file but not of the other differs in its
    /// newline even when its text matches; it must be shown as removed and added.
    /// </summary>
    private static List<Edit> SplitNewlineChanges(List<Edit> edits, int aLength, int bLength, bool aEndsWithNewline, bool bEndsWithNewline)
    {
        var result = new List<Edit>(edits.Count + 1);
        foreach (Edit edit in edits)
        {
            bool unterminatedInA = !aEndsWithNewline && edit.OldIndex == aLength - 1;
            bool unterminatedInB = !bEndsWithNewline && edit.NewIndex == bLength - 1;
            if (edit.Op == Op.Equal && unterminatedInA != unterminatedInB)
            {
                result.Add(edit with { Op = Op.Delete });
                result.Add(new Edit(Op.Insert, edit.OldIndex + 1, edit.NewIndex));
            }
            else
            {
                result.Add(edit);
            }
        }

        return result;
    }

    private static (string[] Lines, bool EndsWithNewline) SplitLines(string text)
    {
        if (text.Length == 0)
        {
            return ([], true);
        }

        bool endsWithNewline = text[^1] == '\n';
        string[] lines = (endsWithNewline ? text[..^1] : text).Split('\n');
        return (lines, endsWithNewline);
    }

    private static List<Edit> Diff(string[] a, string[] b)
    {
        int n = a.Length, m = b.Length, max = n + m;
        var edits = new List<Edit>(max);
        if (max == 0)
        {
            return edits;
        }

        int offset = max + 1;
        var v = new int[(2 * max) + 3];
        var trace = new List<int[]>();
        int limit = Math.Min(max, MaxEditDistance);
        for (int d = 0; d <= limit; d++)
        {
            // Keep V as it was before step d, for k in [-d, d]: all the backtrack needs.
            var snapshot = new int[(2 * d) + 1];
            Array.Copy(v, offset - d, snapshot, 0, snapshot.Length);
            trace.Add(snapshot);

            for (int k = -d; k <= d; k += 2)
            {
                int x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                int y = x - k;
                while (x < n && y < m && string.Equals(a[x], b[y], StringComparison.Ordinal))
                {
                    x++;
                    y++;
                }

                v[offset + k] = x;
                if (x >= n && y >= m)
                {
                    Backtrack(trace, d, n, m, edits);
                    return edits;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            edits.Add(new Edit(Op.Delete, i, 0));
        }

        for (int j = 0; j < m; j++)
        {
            edits.Add(new Edit(Op.Insert, n, j));
        }

        return edits;
    }

    private static void Backtrack(List<int[]> trace, int depth, int x, int y, List<Edit> edits)
    {
        for (int d = depth; d > 0; d--)
        {
            int[] before = trace[d];
            int k = x - y;
            bool down = k == -d || (k != d && before[k - 1 + d] < before[k + 1 + d]);
            int previousK = down ? k + 1 : k - 1;
            int previousX = before[previousK + d];
            int previousY = previousX - previousK;
            while (x > previousX && y > previousY)
            {
                x--;
                y--;
                edits.Add(new Edit(Op.Equal, x, y));
            }

            if (down)
            {
                y--;
                edits.Add(new Edit(Op.Insert, x, y));
            }
            else
            {
                x--;
                edits.Add(new Edit(Op.Delete, x, y));
            }
        }

        while (x > 0 && y > 0)
        {
            x--;
            y--;
            edits.Add(new Edit(Op.Equal, x, y));
        }

        edits.Reverse();
    }

    /// <summary>One line of the edit script; the indexes are the positions in each file before the line.</summary>
    private readonly record struct Edit(Op Op, int OldIndex, int NewIndex);
}
