using System;
using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Queue;

/// <summary>A config change an agent's sidecar asks the operator to approve (<c>supervise_proposals</c>).</summary>
/// <param name="Id">Unique id; the store makes one.</param>
/// <param name="BottleSlug">The bottle that proposed it; fixed by the sidecar, never by the agent.</param>
/// <param name="Tool">The MCP tool or sidecar that raised it (cred-proxy-block, pipelock-block, capability-block, …).</param>
/// <param name="ProposedFile">The whole proposed file.</param>
/// <param name="Justification">Why the agent needs it.</param>
/// <param name="ArrivalTimestamp">When it was written (UTC); the pending queue is FIFO on it.</param>
/// <param name="CurrentFileHash">SHA-256 of the file it replaces, if there is one.</param>
/// <param name="Archived">True once the sidecar has consumed the answer.</param>
/// <param name="CurrentFile">The file it would replace, as the sidecar read it (null if none).</param>
[SqliteRow]
public sealed record Proposal(
    string Id,
    string BottleSlug,
    string Tool,
    string ProposedFile,
    string Justification,
    DateTimeOffset ArrivalTimestamp,
    string? CurrentFileHash,
    bool Archived,
    string? CurrentFile = null)
{
    /// <summary>A new, unarchived proposal with a fresh id, arriving now: for tests, which seed rows; production code proposes with a <see cref="ProposalDraft"/>.</summary>
    /// <param name="bottleSlug">The proposing bottle.</param>
    /// <param name="tool">The tool or sidecar raising it.</param>
    /// <param name="proposedFile">The whole proposed file.</param>
    /// <param name="justification">Why it is needed.</param>
    /// <param name="currentFile">The file it would replace, if any; its SHA-256 becomes <see cref="CurrentFileHash"/>.</param>
    internal static Proposal Create(string bottleSlug, string tool, string proposedFile, string justification, string? currentFile = null)
        => new(NewId(), bottleSlug, tool, proposedFile, justification, DateTimeOffset.UtcNow, currentFile is null ? null : Sha256Hex(currentFile), Archived: false, currentFile);

    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of <paramref name="text"/>.</summary>
    /// <exception cref="Errors.StorageException">MissingDependency when, on Linux, OpenSSL cannot be loaded.</exception>
    public static string Sha256Hex(string text) => Hashing.Sha256.Hex(text);

    /// <summary>A random 32-hex-digit id.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");
}
