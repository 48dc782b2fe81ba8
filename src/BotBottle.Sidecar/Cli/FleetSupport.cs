using System;
using System.Diagnostics.CodeAnalysis;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// Whether this executable speaks PostgreSQL (fleet mode). The same source builds two executables:
/// bot-bottle-sidecar, which ships in every sidecar image and stays small, and bot-bottle-host
/// (-p:BotBottleFleet=true), the host's broker and operator commands with Npgsql. The switch is
/// fixed at publish time, so the trimmer drops every PostgreSQL path, and Npgsql with it, from the
/// sidecar. Unpublished (JIT) builds have it on.
/// </summary>
internal static class FleetSupport
{
    private const string Switch = "BotBottle.Fleet.IsSupported";

    /// <summary>True in bot-bottle-host and in development builds; false in the published sidecar.</summary>
    [FeatureSwitchDefinition(Switch)]
    public static bool IsSupported => !AppContext.TryGetSwitch(Switch, out bool enabled) || enabled;
}
