using BotBottle.Storage.Errors;
using BotBottle.Storage.Validation;

namespace BotBottle.Storage.Queue;

/// <summary>
/// The rules every proposal meets before it is stored, on every door: a slug and tool name of the
/// right shape, a justification that says something, files within size and free of terminal
/// controls, and the tool's own file rule (<see cref="ProposedFileRules"/>) when it has one.
/// </summary>
public static class ProposalLimits
{
    /// <summary>The largest proposed file (UTF-8 bytes).</summary>
    public const int MaxFileBytes = 256 * 1024;

    /// <summary>The longest justification (UTF-8 bytes).</summary>
    public const int MaxJustificationBytes = 8 * 1024;

    /// <summary>The largest current file stored with a proposal; a door that reads a larger one leaves it out.</summary>
    public const int MaxCurrentFileBytes = 1024 * 1024;

    /// <summary>Checks <paramref name="draft"/> against every rule.</summary>
    /// <exception cref="StorageException">InvalidArgument naming the field and what to fix; nothing is written.</exception>
    public static void Check(ProposalDraft draft)
    {
        System.ArgumentNullException.ThrowIfNull(draft);
        Validate.Slug(draft.BottleSlug);
        Validate.Name(draft.Tool, "tool");
        Validate.AgentText(draft.Justification, "justification", MaxJustificationBytes, allowEmpty: false);
        Validate.AgentText(draft.ProposedFile, "proposed_file", MaxFileBytes);
        Validate.OptionalText(draft.CurrentFile, "current_file", MaxCurrentFileBytes);
        if (ProposedFileRules.For(draft.Tool)?.Invoke(draft.ProposedFile) is { } problem)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, problem);
        }
    }
}
