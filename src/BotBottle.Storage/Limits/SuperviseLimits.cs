using System;
using System.Collections.Generic;
using System.Globalization;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Limits;

/// <summary>
/// The caps on what agents can queue, set by the host and enforced by the store on every door
/// (MCP, propose, broker, C ABI). Per bottle: pending proposals, the bytes they hold, and a
/// proposal rate (a token bucket: a burst, refilled at a steady rate). Per host: free space kept
/// in reserve on the database's filesystem, so the operator's decisions and audit entries always fit.
/// </summary>
/// <param name="PendingPerBottle">Proposals one bottle may have waiting for the operator.</param>
/// <param name="PendingBytesPerBottle">UTF-8 bytes (file, justification and current file) those may hold together.</param>
/// <param name="RateBurst">New proposals a bottle may make at once (the bucket's size).</param>
/// <param name="RatePerHour">New proposals a bottle earns back per hour (the bucket's refill).</param>
/// <param name="FreeSpaceReserveBytes">Free space below which new proposals are refused.</param>
public sealed record SuperviseLimits(
    long PendingPerBottle,
    long PendingBytesPerBottle,
    long RateBurst,
    long RatePerHour,
    long FreeSpaceReserveBytes)
{
    /// <summary>The compiled-in defaults, for a host that set nothing.</summary>
    public static SuperviseLimits Defaults { get; } = new(
        PendingPerBottle: 20,
        PendingBytesPerBottle: 8L * 1024 * 1024,
        RateBurst: 10,
        RatePerHour: 120,
        FreeSpaceReserveBytes: 64L * 1024 * 1024);

    /// <summary>Every cap: its stored name, what it means, and the values it accepts.</summary>
    public static IReadOnlyList<LimitDefinition> Definitions { get; } =
    [
        new("pending_per_bottle", "proposals one bottle may have waiting for the operator", 1, 1_000_000),
        new("pending_bytes_per_bottle", "bytes (file + justification + current file) one bottle's pending proposals may hold", 1024, 1L << 40),
        new("rate_burst", "new proposals one bottle may make at once", 1, 1_000_000),
        new("rate_per_hour", "new proposals one bottle earns back per hour", 1, 100_000_000),
        new("free_space_reserve_bytes", "free space kept on the database's filesystem; below it new proposals are refused", 0, 1L << 50),
    ];

    /// <summary>The definition named <paramref name="name"/>.</summary>
    /// <exception cref="StorageException">InvalidArgument for an unknown name.</exception>
    public static LimitDefinition Find(string? name)
    {
        foreach (LimitDefinition definition in Definitions)
        {
            if (string.Equals(definition.Name, name, StringComparison.Ordinal))
            {
                return definition;
            }
        }

        throw new StorageException(StorageErrorKind.InvalidArgument, $"No limit named '{name}'; the limits are {string.Join(", ", NameList())}.");
    }

    /// <summary>The value of the cap named <paramref name="name"/>.</summary>
    public long this[string name] => name switch
    {
        "pending_per_bottle" => PendingPerBottle,
        "pending_bytes_per_bottle" => PendingBytesPerBottle,
        "rate_burst" => RateBurst,
        "rate_per_hour" => RatePerHour,
        "free_space_reserve_bytes" => FreeSpaceReserveBytes,
        _ => throw new StorageException(StorageErrorKind.InvalidArgument, $"No limit named '{name}'."),
    };

    /// <summary>These limits with the cap named <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public SuperviseLimits With(string name, long value) => name switch
    {
        "pending_per_bottle" => this with { PendingPerBottle = value },
        "pending_bytes_per_bottle" => this with { PendingBytesPerBottle = value },
        "rate_burst" => this with { RateBurst = value },
        "rate_per_hour" => this with { RatePerHour = value },
        "free_space_reserve_bytes" => this with { FreeSpaceReserveBytes = value },
        _ => throw new StorageException(StorageErrorKind.InvalidArgument, $"No limit named '{name}'."),
    };

    private static IEnumerable<string> NameList()
    {
        foreach (LimitDefinition definition in Definitions)
        {
            yield return definition.Name;
        }
    }
}
