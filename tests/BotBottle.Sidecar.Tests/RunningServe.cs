using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// A test class's running serve: a migrated scratch database, the published binary serving it, and a
/// client. Classes that derive from it get a fresh one per test (xunit's IAsyncLifetime).
/// </summary>
public abstract class RunningServe : IAsyncLifetime
{
    protected TestHome Home { get; } = new();

    protected ServeProcess Serve { get; private set; } = null!;

    protected McpHttpClient Client { get; private set; } = null!;

    /// <summary>Options added to serve's command line.</summary>
    protected virtual string[] ServeOptions => [];

    public virtual async Task InitializeAsync()
    {
        Home.Migrated();
        await PrepareAsync();
        Serve = await ServeProcess.StartAsync(Home, extra: ServeOptions);
        Client = new McpHttpClient(Serve.McpUrl);
    }

    public Task DisposeAsync()
    {
        Client?.Dispose();
        Serve?.Dispose();
        Home.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs before serve starts (files serve reads at start-up).</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;
}
