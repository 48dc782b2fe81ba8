using System;
using System.Globalization;
using System.Text;

namespace BotBottle.Storage.Text;

/// <summary>
/// The one rule for text an agent controls, in both of its halves. At intake, control characters
/// other than tab and newline, and bidi controls, are refused: they can make a terminal show
/// something other than what is stored (erase a line of a diff, reorder it, write the clipboard).
/// On output, anything invisible or reshaping that is already stored (an older row, host text) is
/// rendered as visible text instead of reaching the terminal raw.
/// </summary>
public static class AgentText
{
    /// <summary>
    /// The first character refused at intake, or null when the text is acceptable: C0 controls
    /// except tab and newline, DEL, C1 controls, and the Unicode Bidi_Control characters
    /// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
    /// </summary>
    /// <param name="text">The text to check.</param>
    public static RefusedCharacter? FindRefused(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int line = 1, column = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (IsRefused(c))
            {
                return new RefusedCharacter(c, i, line, column);
            }

            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else if (!char.IsLowSurrogate(c))
            {
                column++;
            }
        }

        return null;
    }

    /// <summary>True for the characters <see cref="FindRefused"/> refuses.</summary>
    public static bool IsRefused(char c) => c switch
    {
        '\t' or '\n' => false,
        < '\u0020' or '\u007F' => true,
        >= '\u0080' and <= '\u009F' => true,
        _ => IsBidiControl(c),
    };

    /// <summary>Combining marks kept on one base character; more are shown as escapes (a tower of them covers the lines around it).</summary>
    public const int MaxStackedMarks = 4;

    /// <summary>
    /// <paramref name="text"/> as a terminal may show it: controls become <c>\xHH</c> escapes
    /// (<c>\x1b</c>, <c>\r</c> as <c>\x0d</c>), and bidi, zero-width, default-ignorable, blank-looking
    /// (Hangul fillers, the blank braille pattern, spaces other than U+0020) and other format or
    /// separator characters become <c>&lt;U+XXXX&gt;</c>, one per code point (above U+FFFF too), as do
    /// unpaired surrogates and combining marks past <see cref="MaxStackedMarks"/> on one character.
    /// Tab and newline are kept when <paramref name="multiline"/>, else shown as <c>\t</c> and <c>\n</c>.
    /// </summary>
    /// <param name="text">Stored text, possibly hostile.</param>
    /// <param name="multiline">Whether the output is a block of lines (a file, a justification) or one table cell.</param>
    public static string Visible(string text, bool multiline = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        StringBuilder? builder = null;
        int stackedMarks = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            int codePoint = pair ? char.ConvertToUtf32(c, text[i + 1]) : c;
            stackedMarks = IsCombiningMark(codePoint) ? stackedMarks + 1 : 0;
            if (IsPlain(text, i, multiline) && stackedMarks <= MaxStackedMarks)
            {
                builder?.Append(c);
                if (pair)
                {
                    builder?.Append(text[i + 1]);
                    i++;
                }

                continue;
            }

            // Only text that needs an escape pays for a copy.
            builder ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            if (c is '\n' or '\t')
            {
                builder.Append(c == '\n' ? "\\n" : "\\t");
            }
            else if (c < '\u00A0' && !char.IsSurrogate(c))
            {
                builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append("<U+").Append(codePoint.ToString("X4", CultureInfo.InvariantCulture)).Append('>');
                i += pair ? 1 : 0;
            }
        }

        return builder?.ToString() ?? text;
    }

    /// <summary>
    /// <paramref name="text"/> shown as <see cref="Visible"/> shows it, each line behind a gutter
    /// (<c>│ </c>), so no line of it can pass for the tool's own output: not a header, not a status,
    /// not a diff. The same in color and in plain text.
    /// </summary>
    public static string Quoted(string text, string gutter = "│ ")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(gutter);
        string shown = Visible(text);
        if (shown.EndsWith('\n'))
        {
            shown = shown[..^1];
        }

        return gutter + shown.Replace("\n", "\n" + gutter, StringComparison.Ordinal);
    }

    /// <summary>A short name for a refused character, for error messages.</summary>
    public static string Describe(char c) => c switch
    {
        '\u0000' => "U+0000 (NUL)",
        '\u0007' => "U+0007 (BEL)",
        '\u0008' => "U+0008 (backspace)",
        '\u000B' => "U+000B (vertical tab)",
        '\u000C' => "U+000C (form feed)",
        '\r' => "U+000D (carriage return)",
        '\u001B' => "U+001B (ESC, starts terminal escape sequences)",
        '\u007F' => "U+007F (DEL)",
        '\u0085' => "U+0085 (next line)",
        '\u009B' => "U+009B (CSI, starts terminal escape sequences)",
        '\u009D' => "U+009D (OSC, starts terminal commands)",
        '\u202E' => "U+202E (right-to-left override)",
        '\u202D' => "U+202D (left-to-right override)",
        _ when IsBidiControl(c) => $"U+{(int)c:X4} (a bidi control)",
        _ => $"U+{(int)c:X4} (a control character)",
    };

    /// <summary>
    /// Whether a terminal shows <paramref name="codePoint"/> as itself: false for controls (tab and
    /// newline aside), format characters (bidi, zero-width, soft hyphen), line and paragraph
    /// separators, surrogates and unassigned code points.
    /// </summary>
    public static bool IsShownAsIs(int codePoint)
        => codePoint is '\t' or '\n'
           || (codePoint is >= 0 and <= 0x10FFFF && (codePoint < 0xD800 || codePoint > 0xDFFF)
               && IsVisibleCategory(CharUnicodeInfo.GetUnicodeCategory(codePoint)) && !IsInvisible(codePoint));

    /// <summary>
    /// Code points a terminal draws as nothing or as blank although their category says otherwise:
    /// Unicode's default-ignorable ones (combining grapheme joiner, Hangul fillers, Khmer inherent
    /// vowels, variation selectors, tags…), the blank braille pattern, the object replacement
    /// character, and every space but U+0020.
    /// </summary>
    private static bool IsInvisible(int codePoint) => codePoint switch
    {
        0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or 0x3164 or 0xFFA0 or 0x2800 or 0xFFFC => true,
        >= 0x180B and <= 0x180F => true,
        >= 0x2060 and <= 0x206F => true,
        >= 0xFE00 and <= 0xFE0F => true,
        >= 0xFFF0 and <= 0xFFF8 => true,
        >= 0x1BCA0 and <= 0x1BCA3 => true,
        >= 0x1D173 and <= 0x1D17A => true,
        >= 0xE0000 and <= 0xE0FFF => true,
        _ => codePoint != ' ' && CharUnicodeInfo.GetUnicodeCategory(codePoint) == UnicodeCategory.SpaceSeparator,
    };

    private static bool IsCombiningMark(int codePoint)
        => CharUnicodeInfo.GetUnicodeCategory(codePoint) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;

    private static bool IsBidiControl(char c)
        => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>Whether the UTF-16 unit at <paramref name="index"/> (a whole pair for a surrogate pair) can reach a terminal as it is.</summary>
    private static bool IsPlain(string text, int index, bool multiline)
    {
        char c = text[index];
        if (c is '\t' or '\n')
        {
            return multiline;
        }

        if (char.IsHighSurrogate(c))
        {
            if (index + 1 >= text.Length || !char.IsLowSurrogate(text[index + 1]))
            {
                return false;
            }

            int codePoint = char.ConvertToUtf32(c, text[index + 1]);
            return IsVisibleCategory(CharUnicodeInfo.GetUnicodeCategory(codePoint)) && !IsInvisible(codePoint);
        }

        return !char.IsLowSurrogate(c) && IsVisibleCategory(CharUnicodeInfo.GetUnicodeCategory(c)) && !IsInvisible(c);
    }

    /// <summary>Controls, format characters (bidi, zero-width, soft hyphen), line/paragraph separators and unassigned code points are not shown raw.</summary>
    private static bool IsVisibleCategory(UnicodeCategory category) => category is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
        or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned);
}
