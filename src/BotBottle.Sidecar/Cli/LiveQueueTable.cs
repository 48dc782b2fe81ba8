using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// <c>queue watch</c> in a terminal: the open proposals as a table redrawn in place, ages ticking,
/// the newest arrival highlighted, and the last few changes under it. The database is read only
/// when the watch reports a change; the one-second tick only redraws the ages from memory.
/// </summary>
internal sealed class LiveQueueTable(TextWriter output, TerminalStyle style, string databasePath)
{
    private const int RecentShown = 5;

    // Insertion order is arrival order, as the watch reports pending proposals.
    private readonly Dictionary<string, QueueEvent> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _status = new(StringComparer.Ordinal);
    private readonly Queue<string> _recent = new();
    private string? _newest;
    private bool _drawn;

    /// <summary>Draws each change as the watch reports it and the ages once a second, until the watch ends.</summary>
    public async Task RunAsync(IAsyncEnumerable<QueueEvent> changes, CancellationToken stop)
    {
        await using IAsyncEnumerator<QueueEvent> watch = changes.GetAsyncEnumerator(stop);
        Task<bool> next = watch.MoveNextAsync().AsTask();
        while (true)
        {
            try
            {
                await Task.WhenAny(next, Task.Delay(UntilNextSecond(), stop)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The watch ends on the same token; its end is awaited below.
            }

            // Everything already reported is applied before one redraw: the first list arrives at once.
            while (next.IsCompleted)
            {
                if (!await next.ConfigureAwait(false))
                {
                    return;
                }

                Apply(watch.Current);
                next = watch.MoveNextAsync().AsTask();
            }

            if (stop.IsCancellationRequested)
            {
                await next.ConfigureAwait(false);
                return;
            }

            Draw(DateTimeOffset.UtcNow);
        }
    }

    private static TimeSpan UntilNextSecond() => TimeSpan.FromMilliseconds(1000 - DateTime.UtcNow.Millisecond);

    private void Apply(QueueEvent change)
    {
        switch (change.Event)
        {
            case "pending" or "proposed":
                _open[change.Id] = change;
                _status[change.Id] = "pending";
                if (change.Event == "proposed")
                {
                    _newest = change.Id;
                }

                break;
            case "answered":
                _open.TryAdd(change.Id, change);
                _status[change.Id] = (change.Status ?? "answered") + ", not yet received";
                break;
            case "archived" or "withdrawn":
                _open.Remove(change.Id);
                _status.Remove(change.Id);
                break;
        }

        // The first list is the state, not news: only what changes after it is a recent change. A row
        // that cannot be read is in no list, so it is always told.
        if (_drawn || change.Event == "unreadable")
        {
            string status = change.Reason is not null ? " " + TableWriter.Clean(change.Reason) : change.Status is null ? string.Empty : " " + change.Status;
            _recent.Enqueue($"{change.At.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  {change.Event,-8}  {TableWriter.Clean(change.Id)}  {TableWriter.Clean(change.Slug)}  {TableWriter.Clean(change.Tool)}{status}");
            if (_recent.Count > RecentShown)
            {
                _recent.Dequeue();
            }
        }
    }

    private void Draw(DateTimeOffset now)
    {
        int pending = _status.Values.Count(static s => s == "pending");
        var screen = new StringBuilder();

        // Home, then each line cleared to its end and the rest of the screen below: no flicker from clearing it all.
        screen.Append("\e[H");
        Line(screen, style.Bold($"bot-bottle queue: {pending} pending") + $"   {AgentText.Visible(databasePath, multiline: false)}   {now.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}   Ctrl-C to stop");
        Line(screen, string.Empty);
        if (_open.Count == 0)
        {
            Line(screen, style.Dim("No open proposals."));
        }
        else
        {
            var rows = new StringWriter();
            string[] headers = ["", "ID", "BOTTLE", "TOOL", "AGE", "STATUS"];
            TableWriter.Write(rows, headers, _open.Values.Select(p => new[] { p.Id == _newest ? ">" : " ", p.Id, p.Slug, p.Tool, Age(now - p.At), _status[p.Id] }));
            string[] lines = rows.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int room = Math.Max(3, WindowHeight() - RecentShown - 6);
            Line(screen, style.Dim(lines[0]));
            foreach (string line in lines.Skip(1).Take(room))
            {
                Line(screen, line.StartsWith('>') ? style.Highlight(line) : line);
            }

            if (lines.Length - 1 > room)
            {
                Line(screen, style.Dim($"… and {lines.Length - 1 - room} more ('queue pending' lists them all)"));
            }
        }

        if (_recent.Count > 0)
        {
            Line(screen, string.Empty);
            Line(screen, style.Dim("Recent changes:"));
            foreach (string change in _recent)
            {
                Line(screen, change);
            }
        }

        screen.Append("\e[J");
        output.Write(screen.ToString());
        output.Flush();
        _drawn = true;
    }

    private static void Line(StringBuilder screen, string text) => screen.Append(text).Append("\e[K\n");

    private static int WindowHeight()
    {
        try
        {
            return Console.WindowHeight;
        }
        catch (IOException)
        {
            return 24;
        }
    }

    /// <summary>"42s", "3m05s", "2h04m", "3d02h": short enough to tick in a column.</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalMinutes < 1 ? $"{age.Seconds}s"
            : age.TotalHours < 1 ? $"{age.Minutes}m{age.Seconds:00}s"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours}h{age.Minutes:00}m"
            : $"{(int)age.TotalDays}d{age.Hours:00}h";
    }
}
