using System;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BotBottle.Storage.Queue;

/// <summary>
/// What makes a proposed file acceptable for each supervise tool. Each rule returns null when the
/// file is fine, or a message that tells the agent exactly what to fix. Tools without a rule
/// (git-gate, egress, …) propose free text.
/// </summary>
public static partial class ProposedFileRules
{
    /// <summary>The rule for <paramref name="tool"/>'s file, or null when the tool has none.</summary>
    public static System.Func<string, string?>? For(string tool) => tool switch
    {
        "cred-proxy-block" => RoutesJson,
        "pipelock-block" => Allowlist,
        "capability-block" => Dockerfile,
        _ => null,
    };

    /// <summary>cred-proxy-block's routes.json: one JSON object.</summary>
    public static string? RoutesJson(string file)
    {
        try
        {
            using var document = JsonDocument.Parse(file, new JsonDocumentOptions { MaxDepth = 64 });
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? null
                : $"proposed_file must be a JSON object (the whole routes.json), not a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.";
        }
        catch (JsonException exception)
        {
            return $"proposed_file is not valid JSON: {exception.Message} Send the complete routes.json as one JSON object.";
        }
    }

    /// <summary>pipelock-block's allowlist: one host pattern per line; blank lines and # comments allowed.</summary>
    public static string? Allowlist(string file)
    {
        string[] lines = file.Split('\n');
        int patterns = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            foreach (char c in line)
            {
                if (char.IsControl(c) && c != '\t')
                {
                    return $"proposed_file line {i + 1} contains a control character (U+{(int)c:X4}); the allowlist is plain text, one host pattern per line, with \\n line endings.";
                }
            }

            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            if (!HostPattern().IsMatch(trimmed))
            {
                return $"proposed_file line {i + 1} ('{Shorten(trimmed)}') is not a host pattern; use one per line, such as api.example.com, *.example.com or example.com:8443.";
            }

            patterns++;
        }

        return patterns == 0 ? "proposed_file has no host pattern; send the whole allowlist, one host pattern per line." : null;
    }

    /// <summary>capability-block's Dockerfile: at least one FROM instruction.</summary>
    public static string? Dockerfile(string file)
    {
        foreach (string line in file.Split('\n'))
        {
            if (FromInstruction().IsMatch(line))
            {
                return null;
            }
        }

        return "proposed_file has no FROM instruction; send the complete Dockerfile, starting from its base image (FROM image:tag).";
    }

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";

    [GeneratedRegex(@"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[0-9]{1,5})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^\s*FROM\s+\S", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex FromInstruction();
}
