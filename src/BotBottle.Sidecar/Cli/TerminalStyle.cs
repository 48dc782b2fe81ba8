using System;
using System.CommandLine;
using System.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// Color for people reading a terminal, and nothing for anyone else: ANSI escapes only when
/// standard output is a terminal, --no-color was not given, NO_COLOR is unset or empty
/// (no-color.org) and TERM is not "dumb". Text is escaped with AgentText before it is styled, so
/// an agent's own escape sequences never reach the terminal; only these codes do.
/// </summary>
/// <remarks>
/// A few SGR codes instead of a rendering library: Spectre.Console 0.57.2, measured in this
/// executable, added 634 KB for what these lines do (README, Design notes).
/// </remarks>
internal sealed class TerminalStyle
{
    public static readonly Option<bool> NoColor = new("--no-color")
    {
        Description = "Plain text even in a terminal (as does a non-empty NO_COLOR variable, or output that is not a terminal).",
        Recursive = true,
    };

    public static readonly TerminalStyle Plain = new(enabled: false);

    private TerminalStyle(bool enabled) => Enabled = enabled;

    public bool Enabled { get; }

    /// <summary>Whether standard output is a terminal that understands escape sequences (redrawing in place, color).</summary>
    public static bool CanRedraw => !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";

    /// <summary>The style for this process's standard output.</summary>
    public static TerminalStyle ForStandardOutput(ParseResult parse)
        => new(!parse.GetValue(NoColor)
            && CanRedraw
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    public string Bold(string text) => Wrap("1", text);

    public string Dim(string text) => Wrap("2", text);

    /// <summary>The row a person should look at first.</summary>
    public string Highlight(string text) => Wrap("1;7", text);

    public string Green(string text) => Wrap("32", text);

    public string Red(string text) => Wrap("31", text);

    public string Cyan(string text) => Wrap("36", text);

    public string Yellow(string text) => Wrap("33", text);

    /// <summary>
    /// A unified diff (already made visible by AgentText) with removed lines red, added lines
    /// green and hunk headers cyan.
    /// </summary>
    public string Diff(string visibleDiff)
    {
        if (!Enabled)
        {
            return visibleDiff;
        }

        var styled = new StringBuilder(visibleDiff.Length + 64);
        foreach (string line in visibleDiff.Split('\n'))
        {
            if (styled.Length > 0)
            {
                styled.Append('\n');
            }

            styled.Append(line switch
            {
                _ when line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) => Bold(line),
                _ when line.StartsWith("@@", StringComparison.Ordinal) => Cyan(line),
                _ when line.StartsWith('+') => Green(line),
                _ when line.StartsWith('-') => Red(line),
                _ => line,
            });
        }

        return styled.ToString();
    }

    private string Wrap(string code, string text) => Enabled && text.Length > 0 ? $"\e[{code}m{text}\e[0m" : text;
}
