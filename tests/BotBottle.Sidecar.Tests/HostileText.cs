using System;
using System.Text;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>Text an attacker would send to reach the operator's terminal, and the check that none of it arrives raw.</summary>
public static class HostileText
{
    private static readonly string[] Payloads =
    [
        "\u001B[2J\u001B[H", "\r\u001B[2K", "\u001B]52;c;Y3VybCBldmlsfHNo\u0007", "\u202E", "\u2066", "\u200F", "\u009B31m",
        "\u0085", "\u007F", "\u0008\u0008\u0008", "\u001B]8;;http://evil/\u001B\\", "\u061C", "\u200B", "\uFEFF",
    ];

    /// <summary>Ordinary text with one to three control, escape or bidi sequences planted in it.</summary>
    public static string Pick(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var text = new StringBuilder("ok ");
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            text.Append(Payloads[random.Next(Payloads.Length)]).Append((char)random.Next('a', 'z' + 1));
        }

        return text.ToString();
    }

    /// <summary>Where <paramref name="output"/> first holds a C0/C1 control (newline and tab aside) or a bidi control; -1 if nowhere.</summary>
    public static int IndexOfRaw(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        for (int i = 0; i < output.Length; i++)
        {
            char c = output[i];
            bool control = (c < ' ' && c is not '\n' and not '\t') || c is >= '\u007F' and <= '\u009F';
            bool bidi = c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
            if (control || bidi)
            {
                return i;
            }
        }

        return -1;
    }

    public static void AssertNothingRaw(string output)
    {
        int i = IndexOfRaw(output);
        Assert.True(i < 0, i < 0 ? string.Empty : $"U+{(int)output[i]:X4} reached the terminal raw at {i}: {output[Math.Max(0, i - 40)..Math.Min(output.Length, i + 40)]}");
    }
}
