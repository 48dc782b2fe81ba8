using System.Globalization;
using System.Text.Encodings.Web;
using BotBottle.Storage.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// JSON for people and scripts alike: as readable as <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>
/// (no escapes for quotes, '+', '&lt;' or non-ASCII text), but every character a terminal would not
/// show as itself (controls, bidi, zero-width and other format characters, separators) is written as
/// a <c>\uXXXX</c> escape. The JSON means exactly the same; printed raw, it cannot reshape the screen.
/// </summary>
internal sealed class TerminalSafeJsonEncoder : JavaScriptEncoder
{
    public static readonly TerminalSafeJsonEncoder Instance = new();

    private static readonly JavaScriptEncoder Relaxed = UnsafeRelaxedJsonEscaping;

    private TerminalSafeJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => Relaxed.MaxOutputCharactersPerInputCharacter;

    public override bool WillEncode(int unicodeScalar) => IsHidden(unicodeScalar) || Relaxed.WillEncode(unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < textLength && char.IsLowSurrogate(text[i + 1]))
            {
                if (WillEncode(char.ConvertToUtf32(c, text[i + 1])))
                {
                    return i;
                }

                i++;
            }
            else if (char.IsSurrogate(c) || WillEncode(c))
            {
                return i;
            }
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        // Hidden supplementary code points (tags, private planes) are escaped by the relaxed encoder already.
        if (!IsHidden(unicodeScalar) || unicodeScalar > 0xFFFF)
        {
            return Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }

        numberOfCharactersWritten = 0;
        if (bufferLength < 6)
        {
            return false;
        }

        string escape = "\\u" + unicodeScalar.ToString("X4", CultureInfo.InvariantCulture);
        for (int i = 0; i < 6; i++)
        {
            buffer[i] = escape[i];
        }

        numberOfCharactersWritten = 6;
        return true;
    }

    private static bool IsHidden(int unicodeScalar) => !AgentText.IsShownAsIs(unicodeScalar);
}
