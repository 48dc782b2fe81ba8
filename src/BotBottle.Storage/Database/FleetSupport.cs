using System;
using System.Diagnostics.CodeAnalysis;

namespace BotBottle.Storage.Database;

/// <summary>
/// Whether this binary speaks PostgreSQL (fleet mode). The same source publishes each binary twice:
/// bot-bottle-sidecar, which ships in every sidecar image, and libbotbottle, which single-host
/// processes link, stay small; bot-bottle-host and libbotbottle-fleet (-p:BotBottleFleet=true)
/// carry Npgsql. The switch is fixed at publish time, so the trimmer drops every PostgreSQL path,
/// and Npgsql with it, from the small ones: callers test <see cref="IsSupported"/> in the same
/// condition that chooses PostgreSQL. Unpublished (JIT) builds have it on.
/// </summary>
internal static class FleetSupport
{
    private const string Switch = "BotBottle.Fleet.IsSupported";

    /// <summary>True in the fleet builds and in development builds; false in the published small ones.</summary>
    [FeatureSwitchDefinition(Switch)]
    public static bool IsSupported => !AppContext.TryGetSwitch(Switch, out bool enabled) || enabled;
}
