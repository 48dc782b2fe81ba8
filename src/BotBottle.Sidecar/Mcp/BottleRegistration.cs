using System;
using System.Reflection;
using System.Threading;
using BotBottle.Sidecar.Logging;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Errors;

namespace BotBottle.Sidecar.Mcp;

/// <summary>
/// Keeps this process's bottle in the bottles table: registered when serving starts, refreshed
/// every heartbeat, marked stopped when it is told to stop. A failure is logged and never stops
/// the sidecar: the queue matters more than the dashboard.
/// </summary>
internal sealed class BottleRegistration(BottleStore? bottles, string slug, string backend, TimeSpan heartbeat) : IDisposable
{
    private Timer? _timer;

    /// <summary>This binary's version, as <c>--version</c> prints it.</summary>
    public static string SidecarVersion { get; } =
        typeof(BottleRegistration).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public void Start()
    {
        if (bottles is null)
        {
            return;
        }

        if (Try("register", () => bottles.Register(slug, backend, SidecarVersion, heartbeat)))
        {
            _timer = new Timer(_ => Try("heartbeat", () => bottles.Heartbeat(slug)), null, heartbeat, heartbeat);
        }
    }

    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
        if (bottles is not null)
        {
            Try("stop", () => bottles.Stop(slug));
        }
    }

    public void Dispose() => _timer?.Dispose();

    private bool Try(string what, Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The heartbeat runs on a timer: no error, expected or not, may take the sidecar down with it.
            string kind = exception is StorageException storage ? StorageErrorCodes.Name(storage.Kind) : "internal";
            JsonLog.Event("bottle-" + what + "-failed").Add("slug", slug).Add("error", kind).Add("problem", exception.Message).Write();
            return false;
        }
    }
}
