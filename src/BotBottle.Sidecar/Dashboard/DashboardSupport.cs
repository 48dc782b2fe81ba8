using System;
using System.Diagnostics.CodeAnalysis;

namespace BotBottle.Sidecar.Dashboard;

/// <summary>
/// Whether this executable serves the dashboard. It lives in bot-bottle-host, the host's executable
/// (-p:BotBottleFleet=true, which opens a host's SQLite file as well as a fleet's PostgreSQL), and not
/// in bot-bottle-sidecar, which ships in every sidecar image: there the dashboard measured 1.1 MB
/// (15.6 MB to 16.7 MB). The switch is fixed at publish time, so the trimmer drops the dashboard from
/// the sidecar. Unpublished (JIT) builds have it on.
/// </summary>
internal static class DashboardSupport
{
    private const string Switch = "BotBottle.Dashboard.IsSupported";

    /// <summary>True in bot-bottle-host and in development builds; false in the published bot-bottle-sidecar.</summary>
    [FeatureSwitchDefinition(Switch)]
    public static bool IsSupported => !AppContext.TryGetSwitch(Switch, out bool enabled) || enabled;
}
