using System;
using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Bottles;

/// <summary>One bottle as a dashboard shows it: its sidecar's state and its pending proposals, from one query.</summary>
/// <param name="Slug">The bottle.</param>
/// <param name="Backend">How it runs (for example docker, or vm behind a host broker); "unregistered" for a bottle that has pending proposals but never registered (a sidecar that only proposes).</param>
/// <param name="State">running, stopped, stale (registered as running but silent for more than three heartbeats) or unknown (never registered).</param>
/// <param name="StartedAt">When its sidecar registered it.</param>
/// <param name="LastSeen">Its sidecar's last heartbeat.</param>
/// <param name="StoppedAt">When its sidecar said it was stopping.</param>
/// <param name="SidecarVersion">The registering sidecar's version.</param>
/// <param name="Pending">Proposals waiting for the operator.</param>
/// <param name="OldestPendingAt">When the oldest of them arrived.</param>
[SqliteRow]
public sealed record BottleStatus(
    string Slug,
    string Backend,
    string State,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LastSeen,
    DateTimeOffset? StoppedAt,
    string? SidecarVersion,
    long Pending,
    DateTimeOffset? OldestPendingAt);
