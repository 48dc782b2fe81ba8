using System;

namespace BotBottle.Storage.Audit;

/// <summary>Filters for <see cref="AuditStore.ReadAuditEntries"/>; every one is optional.</summary>
/// <param name="BottleSlug">Only this bottle's entries.</param>
/// <param name="Component">Only this component's entries.</param>
/// <param name="Since">Entries at or after this instant.</param>
/// <param name="Until">Entries strictly before this instant.</param>
/// <param name="Limit">At most this many, oldest first.</param>
public sealed record AuditQuery(
    string? BottleSlug = null,
    string? Component = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int? Limit = null)
{
    /// <summary>No filter: the whole log.</summary>
    public static AuditQuery All { get; } = new();
}
