using System;
using System.Linq;
using System.Threading.Tasks;
using BotBottle.Sidecar.Logging;
using BotBottle.Storage.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
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

        // One peer may hold half the slots: on a bridge network another container cannot take them all.
        using var slots = new ConnectionSlots(options.MaxConnections, Math.Max(8, options.MaxConnections / 2));

        // reloadConfigOnChange=false: the slim builder registers appsettings.json with reload-on-change,
        // and that file watcher walked the whole working directory tree at start-up (hundreds of
        // milliseconds, unbounded when it is "/"). The flag is host configuration, read from the args.
        // ContentRootPath "/": the sidecar serves no files, and the host otherwise roots itself in the working
        // directory, which the sidecar's user may not be allowed to enter (serve then failed to start,
        // naming that directory as if it were the listen address).
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = "/" });

        // Only the command line configures the sidecar: no appsettings, no ASPNETCORE_* overrides.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = SuperviseServerOptions.MaxBodyBytes + 1;

            // A hostile client must not hold the server with idle or trickling connections: the cap on
            // connections is ConnectionSlots' (Kestrel's own refuses newcomers once idle sockets fill
            // it), plus a deadline for headers, a bound on idle keep-alive, and a minimum body rate.
            kestrel.Limits.MaxConcurrentUpgradedConnections = 0;
            kestrel.Limits.RequestHeadersTimeout = ConnectionSlots.FirstRequestDeadline;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(5));
            kestrel.Listen(options.Listen, listen => listen.Use(next => connection => slots.ServeAsync(connection, next)));
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1.5));

        // Kestrel's default backlog (512) overflows under a reconnect flood, and the kernel then drops
        // a real client's SYN (its retry comes a second later). The kernel caps this at somaxconn.
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 4096);

#if MCP_SDK_TRANSPORT
        // The evaluation build: ModelContextProtocol.AspNetCore's MapMcp with the same tools, stateless.
        var tools = new SuperviseToolHandlers(options, queue);
        builder.Services.AddMcpServer(server =>
        {
            ModelContextProtocol.Server.McpServerOptions template = tools.CreateServerOptions(new RequestScope(new SseKeepAliveStream(System.IO.Stream.Null), default, default));
            server.ServerInfo = template.ServerInfo;
            server.ServerInstructions = template.ServerInstructions;
            server.Capabilities = template.Capabilities;
            server.Handlers = template.Handlers;
        }).WithHttpTransport(transport => transport.Stateless = true);
        WebApplication app = builder.Build();
        app.MapMcp("/mcp");
#else
        WebApplication app = builder.Build();
        var endpoint = new McpHttpEndpoint(options, new SuperviseToolHandlers(options, queue), app.Lifetime.ApplicationStopping);
        app.Map("/mcp", endpoint.HandleAsync);
#endif
        app.Use(async (context, next) =>
        {
            // The connection counts as idle only once the response has gone out, not when the handler returns.
            IDisposable? request = slots.RequestStarted(context.Features.Get<IConnectionItemsFeature>()?.Items);
            if (request is not null)
            {
                context.Response.RegisterForDispose(request);
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/healthz", context => HealthAsync(context, queue));

        // Registered before the "listening" line, so whoever waits for that line finds the bottle running.
        using var registration = new BottleRegistration(options.Bottles, options.Slug, "docker", options.Heartbeat);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            registration.Start();
            string addresses = string.Join(" ", app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
            JsonLog.Event("listening").Add("slug", options.Slug).Add("addresses", addresses).Add("queue", options.QueueSource).Add("waits", queue.DescribeWaits().ToString()).Write();

            // Serving on keeps the sidecar answering once the cause is fixed; the log and /healthz say it cannot write now.
            if (queue.CheckHealth() is { Ok: false } health)
            {
                JsonLog.Event("unhealthy").Add("slug", options.Slug).Add("error", Storage.Errors.StorageErrorCodes.Name(health.Kind ?? Storage.Errors.StorageErrorKind.Internal)).Add("problem", health.Problem).Write();
            }
        });
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            JsonLog.Event("stopping").Add("slug", options.Slug).Write();
            registration.Stop();
        });

        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>200 "ok" only when the sidecar can do its job; otherwise 503 with the storage error's kind and message.</summary>
    private static async Task HealthAsync(HttpContext context, ISidecarStore queue)
    {
        Storage.Database.StorageHealth health = queue.CheckHealth();
        context.Response.ContentType = "text/plain";
        if (health.Ok)
        {
            context.Response.ContentLength = 3;
            await context.Response.WriteAsync("ok\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        string code = Storage.Errors.StorageErrorCodes.Name(health.Kind ?? Storage.Errors.StorageErrorKind.Internal);
        await context.Response.WriteAsync($"unhealthy: {code}: {health.Problem}\n", context.RequestAborted).ConfigureAwait(false);
    }
}
