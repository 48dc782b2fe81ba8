using System;
using System.Text;
using System.Text.RegularExpressions;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Validation;

/// <summary>
/// Guards for everything that reaches the database. Values come from agents, sidecars and
/// operators alike; each failure is an <see cref="StorageErrorKind.InvalidArgument"/> naming the
/// field and the rule, thrown before anything is written.
/// </summary>
internal static partial class Validate
{
    /// <summary>Upper bound on a proposed or final file stored by the library (surfaces set tighter ones).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>Upper bound on justifications and notes.</summary>
    public const int MaxTextBytes = 64 * 1024;

    /// <summary>Upper bound on an audit diff (current and final file both appear in it).</summary>
    public const int MaxDiffBytes = 4 * MaxFileBytes;

    public static string Slug(string? slug, string field = "bottle_slug")
        => Matching(slug, field, SlugPattern(), "is not a bottle slug: use 1-63 lower-case letters, digits and '-', starting with a letter or digit", "; every queue row belongs to a bottle (a slug such as 'my-bottle')");

    public static string Id(string? id, string field)
        => Matching(id, field, IdPattern(), "is not an id: use 1-128 letters, digits, '.', '_' and '-', starting with a letter or digit");

    public static string Name(string? name, string field)
        => Matching(name, field, NamePattern(), "is not a name: use 1-64 lower-case letters, digits, '-' and '_', starting with a letter or digit");

    /// <summary>A non-empty value that matches <paramref name="pattern"/>; the refusal quotes it (printably) and says the rule.</summary>
    private static string Matching(string? value, string field, Regex pattern, string rule, string whyRequired = ".")
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Invalid($"{field} is empty{whyRequired}");
        }

        return pattern.IsMatch(value) ? value : throw Invalid($"{field} '{Printable(value)}' {rule}.");
    }

    public static string Text(string? text, string field, int maxBytes, bool allowEmpty = true)
    {
        if (text is null)
        {
            throw Invalid($"{field} is missing.");
        }

        if (!allowEmpty && text.Trim().Length == 0)
        {
            throw Invalid($"{field} is empty; say in a sentence or two why the change is needed.");
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw Invalid($"{field} is not valid UTF-8 text (it holds an unpaired surrogate).");
        }

        if (bytes > maxBytes)
        {
            throw Invalid($"{field} is {bytes} bytes; the limit is {maxBytes} bytes.");
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid($"{field} contains a NUL character.");
        }

        return text;
    }

    /// <summary>
    /// Text an agent controls, which the operator will read in a terminal: besides <see cref="Text"/>'s
    /// rules, control characters other than tab and newline, and bidi controls, are refused.
    /// </summary>
    public static string AgentText(string? text, string field, int maxBytes, bool allowEmpty = true)
    {
        Text(text, field, maxBytes, allowEmpty);
        if (BotBottle.Storage.Text.AgentText.FindRefused(text!) is { } refused)
        {
            throw Invalid($"{field} holds {refused}. Control characters other than tab and newline, and bidi controls, are refused because they can change what the operator's terminal shows; remove it (end lines with \\n alone) and send again.");
        }

        return text!;
    }

    public static string? OptionalText(string? text, string field, int maxBytes)
        => text is null ? null : Text(text, field, maxBytes);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static StorageException Invalid(string message) => new(StorageErrorKind.InvalidArgument, message);

    private static string Printable(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, 80));
        foreach (char c in value)
        {
            if (builder.Length >= 80)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.ToString();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
