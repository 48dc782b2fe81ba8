using System;
using System.Linq;
using System.Threading.Tasks;
using BotBottle.Storage.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BotBottle.Sidecar.Mcp;

/// <summary>The supervise MCP server: Kestrel (slim builder) serving /mcp and /healthz.</summary>
internal static class SuperviseServer
{
    /// <summary>Serves until SIGTERM/SIGINT; pending waits end with an MCP error and the process exits 0.</summary>
    public static async Task<int> RunAsync(SuperviseServerOptions options)
    {
        ISidecarStore queue = options.Queue;

        // reloadConfigOnChange=false: the slim builder registers appsettings.json with reload-on-change,
        // and that file watcher walked the whole working directory tree at start-up (hundreds of
        // milliseconds, unbounded when it is "/"). The flag is host configuration, read from the args.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });

        // Only the command line configures the sidecar: no appsettings, no ASPNETCORE_* overrides.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes + 1;
            kestrel.Listen(options.Listen);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1.5));

        WebApplication app = builder.Build();
        var endpoint = new McpHttpEndpoint(options, new SuperviseToolHandlers(options, queue), app.Lifetime.ApplicationStopping);
        app.Map("/mcp", endpoint.HandleAsync);
        app.MapGet("/healthz", context => HealthAsync(context, queue));

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            string addresses = string.Join(" ", app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
            JsonLog.Event("listening").Add("slug", options.Slug).Add("addresses", addresses).Add("queue", options.QueueSource).Write();
        });
        app.Lifetime.ApplicationStopping.Register(() => JsonLog.Event("stopping").Add("slug", options.Slug).Write());

        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    private static async Task HealthAsync(HttpContext context, ISidecarStore queue)
    {
        try
        {
            // A read proves the mount is there and the database opens; the id never exists.
            _ = queue.ReadProposal("healthz");
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = 3;
            await context.Response.WriteAsync("ok\n", context.RequestAborted).ConfigureAwait(false);
        }
        catch (Storage.Errors.StorageException exception)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("database unavailable: " + exception.Message + "\n", context.RequestAborted).ConfigureAwait(false);
        }
    }
}
