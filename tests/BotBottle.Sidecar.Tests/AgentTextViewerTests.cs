using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// Every class of character an agent could use to hide text or pass for the tool's own output,
/// planted in a proposal's justification and file (and the operator's notes), as each viewer of
/// the published binary shows it: plain (a pipe) and in color (a terminal, through tmux).
/// Control characters and bidi controls never get this far: the store refuses them on the way in.
/// </summary>
public sealed class AgentTextViewerTests(AgentTextViewerTests.Screens screens) : IClassFixture<AgentTextViewerTests.Screens>
{
    /// <summary>Each class: a sample and how every viewer must show it.</summary>
    public static TheoryData<string, string, string> Classes => new()
    {
        { "Hangul filler", "\u3164", "<U+3164>" },
        { "Hangul choseong filler", "\u115F", "<U+115F>" },
        { "Hangul jungseong filler", "\u1160", "<U+1160>" },
        { "halfwidth Hangul filler", "\uFFA0", "<U+FFA0>" },
        { "blank braille pattern", "\u2800", "<U+2800>" },
        { "combining grapheme joiner", "\u034F", "<U+034F>" },
        { "Khmer inherent vowel", "\u17B4", "<U+17B4>" },
        { "variation selector", "\uFE0F", "<U+FE0F>" },
        { "object replacement character", "\uFFFC", "<U+FFFC>" },
        { "no-break space", "\u00A0", "<U+00A0>" },
        { "zero-width space", "\u200B", "<U+200B>" },
        { "tag character above U+FFFF", "\U000E0041", "<U+E0041>" },
    };

    [Theory]
    [MemberData(nameof(Classes))]
    public void Every_viewer_shows_the_class_escaped_never_raw(string name, string sample, string shown)
    {
        foreach ((string viewer, string screen) in screens.All)
        {
            Assert.False(screen.Contains(sample, StringComparison.Ordinal), $"{viewer} printed a raw {name}");
            Assert.True(screen.Contains(shown, StringComparison.Ordinal), $"{viewer} does not show the {name} as {shown}:\n{screen}");
        }
    }

    [Fact]
    public void Stacked_combining_marks_are_bounded_in_every_plain_viewer()
    {
        foreach ((string viewer, string screen) in screens.All.Where(static s => !s.Viewer.EndsWith("in color", StringComparison.Ordinal)))
        {
            int tallest = Regex.Matches(screen, "\u0301+").Select(static m => m.Length).DefaultIfEmpty(0).Max();
            Assert.True(tallest <= 4, $"{viewer} stacked {tallest} combining marks");
            if (!viewer.StartsWith("queue pending", StringComparison.Ordinal))
            {
                // The pending table shows only each justification's first line; the tower is on a later one.
                Assert.Contains("<U+0301>", screen, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_proposals_own_text_sits_behind_the_gutter_in_show()
    {
        foreach ((string viewer, string screen) in screens.All.Where(static s => s.Viewer.StartsWith("queue show", StringComparison.Ordinal)))
        {
            string[] lines = screen.Split('\n');
            Assert.Contains(lines, static l => l.StartsWith("│ justification line", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, static l => l.StartsWith("justification line", StringComparison.Ordinal));
        }
    }

    /// <summary>One proposal and one decision carrying every class, and what each viewer printed for them.</summary>
    public sealed class Screens : IAsyncLifetime
    {
        private readonly TestHome _home = new TestHome().Migrated();

        public List<(string Viewer, string Screen)> All { get; } = [];

        public async Task InitializeAsync()
        {
            // One proposal per class (a bottle each: a bottle may have only so many open), its sample
            // first, so that even the one-line cells of the tables show it.
            var ids = new List<(string Id, string Line)>();
            foreach (object[] row in Classes)
            {
                string line = $"[{row[1]}] {row[0]}";
                ids.Add((Propose($"bottle-{ids.Count}", line, line + "\n"), line));
            }

            // And one with every class (one line each, so that one that breaks a line shows up on its own) and a tower of marks.
            string samples = string.Concat(Classes.Select(static row => $"justification line {row[0]} [{row[1]}]\n"))
                + "tower a" + new string('\u0301', 500) + "b\n";
            string all = Propose("bottle-all", samples, samples.Replace("justification line", "file line", StringComparison.Ordinal));

            await AddAsync("queue show", ["queue", "show", all]);
            await AddAsync("queue pending", ["queue", "pending"]);
            foreach ((string id, string line) in ids)
            {
                CommandResult rejected = _home.Host("queue", "reject", id, "--notes", line);
                Assert.True(rejected.ExitCode == 0, rejected.ToString());
            }

            CommandResult tower = _home.Host("queue", "reject", all, "--notes", "tower a" + new string('\u0301', 500) + "b");
            Assert.True(tower.ExitCode == 0, tower.ToString());
            await AddAsync("audit list", ["audit", "list"]);
        }

        private string Propose(string slug, string justification, string content)
        {
            string file = Path.Combine(_home.Root, "proposed");
            File.WriteAllText(file, content);
            CommandResult proposed = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", slug, "--tool", "git-gate", "--justification", justification, "--file", file);
            Assert.True(proposed.ExitCode == 0, proposed.ToString());
            return proposed.Output.Trim();
        }

        public Task DisposeAsync()
        {
            _home.Dispose();
            return Task.CompletedTask;
        }

        private async Task AddAsync(string viewer, string[] arguments)
        {
            CommandResult plain = _home.Host(arguments);
            Assert.True(plain.ExitCode == 0, plain.ToString());
            All.Add((viewer + " plain", plain.Output));
            using var terminal = new TmuxSession([SidecarBinary.Path, "--db", _home.DbPath, .. arguments]);
            await terminal.WaitForAsync("[exited 0]");
            All.Add((viewer + " in color", terminal.Screen(withEscapes: false)));
        }
    }
}
