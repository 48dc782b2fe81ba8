using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BotBottle.Sidecar.Dashboard;

/// <summary>
/// The operator's dashboard: a local web server over the host's stores, built to be left open while
/// browsing. Its pages are static shells; the data comes as JSON that the page's own script puts in
/// the document as text (never markup), under a Content-Security-Policy that allows no inline script.
/// Every request must name this server as its Host (a DNS-rebound name is refused) and may come only
/// from its own Origin; every request but the sign-in needs the session; every change also needs the
/// session's CSRF token in a header, which no cross-site form or page can send.
/// </summary>
internal sealed partial class DashboardServer(Stores stores, string location, DashboardSessions sessions)
{
    private const string ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>Live pages open at once; each holds a change watcher. Past it a new one is refused, not an old one dropped.</summary>
    private const int MaxEventStreams = 32;

    private string[] _ownHosts = [];
    private int _eventStreams;

    /// <summary>What the dashboard answers as: <c>http://127.0.0.1:PORT</c> (set once it listens).</summary>
    public string BaseAddress { get; private set; } = string.Empty;

    /// <summary>Serves on <paramref name="listen"/> until <paramref name="stopping"/>; <paramref name="started"/> gets the address.</summary>
    public async Task RunAsync(IPEndPoint listen, Action<string> started, CancellationToken stopping)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = "/" });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 2 * 1024 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.MaxConcurrentConnections = 128;
            kestrel.Listen(listen);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        WebApplication app = builder.Build();
        app.Run(HandleAsync);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            int port = new Uri(address).Port;
            BaseAddress = $"http://{FormatHost(listen.Address)}:{port}";
            _ownHosts = [$"{FormatHost(listen.Address)}:{port}", $"localhost:{port}"];
            started(BaseAddress);
        });
        await app.RunAsync(stopping).ConfigureAwait(false);
    }

    private static string FormatHost(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        HttpResponse response = context.Response;
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
        response.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";

        // DNS rebinding: a page on evil.example that rebinds its name to 127.0.0.1 sends Host: evil.example.
        if (!_ownHosts.Contains(request.Host.Value ?? string.Empty, StringComparer.OrdinalIgnoreCase))
        {
            await PlainAsync(context, StatusCodes.Status421MisdirectedRequest, $"This dashboard answers only as {BaseAddress}.").ConfigureAwait(false);
            return;
        }

        string? origin = request.Headers.Origin;
        bool ownOrigin = origin is not null && _ownHosts.Any(host => string.Equals(origin, "http://" + host, StringComparison.OrdinalIgnoreCase));
        if (origin is not null && !ownOrigin)
        {
            await PlainAsync(context, StatusCodes.Status403Forbidden, "Forbidden: requests from other sites are refused.").ConfigureAwait(false);
            return;
        }

        string path = request.Path.Value ?? "/";
        if (path == "/sign-in" && HttpMethods.IsGet(request.Method))
        {
            await SignInAsync(context).ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsGet(request.Method) && path.StartsWith("/assets/", StringComparison.Ordinal))
        {
            await AssetAsync(context, path["/assets/".Length..]).ConfigureAwait(false);
            return;
        }

        string? session = request.Cookies[DashboardSessions.CookieName];
        string? csrf = sessions.CsrfFor(session);
        if (csrf is null)
        {
            await PlainAsync(context, StatusCodes.Status401Unauthorized, "Sign in with the address bot-bottle-host dashboard printed (its one-time token); press Enter in that terminal for a new one.").ConfigureAwait(false);
            return;
        }

        try
        {
            await RouteAsync(context, path, csrf, ownOrigin).ConfigureAwait(false);
        }
        catch (StorageException exception)
        {
            await JsonAsync(context, StatusFor(exception.Kind), new DashboardError(StorageErrorCodes.Name(exception.Kind), exception.Message), DashboardJsonContext.Default.DashboardError).ConfigureAwait(false);
        }
    }

    private async Task RouteAsync(HttpContext context, string path, string csrf, bool ownOrigin)
    {
        HttpRequest request = context.Request;
        Match proposal = ProposalPath().Match(path);
        if (HttpMethods.IsPost(request.Method))
        {
            // A change needs the session's CSRF token in a header (a cross-site form cannot send one),
            // sent as JSON (a cross-site form cannot send that type either), from this very origin.
            if (!ownOrigin || request.Headers["X-CSRF-Token"].ToString() is not { Length: > 0 } token || !DashboardSessions.FixedTimeEquals(token, csrf)
                || !string.Equals(request.ContentType?.Split(';')[0].Trim(), "application/json", StringComparison.OrdinalIgnoreCase))
            {
                await PlainAsync(context, StatusCodes.Status403Forbidden, "Forbidden: a change needs this page's own origin, its CSRF token and a JSON body.").ConfigureAwait(false);
                return;
            }

            if (proposal.Success && proposal.Groups["decision"].Success)
            {
                await DecideAsync(context, proposal.Groups["id"].Value).ConfigureAwait(false);
                return;
            }

            await PlainAsync(context, StatusCodes.Status404NotFound, "Not found.").ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            context.Response.Headers.Allow = "GET, POST";
            await PlainAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed.").ConfigureAwait(false);
            return;
        }

        switch (path)
        {
            case "/":
                await PageAsync(context, "queue", "Queue", csrf).ConfigureAwait(false);
                return;
            case "/bottles":
                await PageAsync(context, "bottles", "Bottles", csrf).ConfigureAwait(false);
                return;
            case "/audit":
                await PageAsync(context, "audit", "Audit log", csrf).ConfigureAwait(false);
                return;
            case "/events":
                await EventsAsync(context).ConfigureAwait(false);
                return;
            case "/api/bottles":
                await JsonAsync(context, 200, new DashboardBottles([.. stores.Bottles.List()]), DashboardJsonContext.Default.DashboardBottles).ConfigureAwait(false);
                return;
            case "/api/audit":
                await AuditAsync(context).ConfigureAwait(false);
                return;
        }

        if (proposal.Success && !proposal.Groups["decision"].Success)
        {
            if (proposal.Groups["api"].Success)
            {
                await ProposalAsync(context, proposal.Groups["id"].Value).ConfigureAwait(false);
            }
            else
            {
                await PageAsync(context, "proposal", "Proposal", csrf, proposal.Groups["id"].Value).ConfigureAwait(false);
            }

            return;
        }

        await PlainAsync(context, StatusCodes.Status404NotFound, "Not found.").ConfigureAwait(false);
    }

    [GeneratedRegex("^/(?<api>api/)?proposal/(?<id>[A-Za-z0-9_-]{1,64})(?<decision>/decision)?$")]
    private static partial Regex ProposalPath();

    private async Task SignInAsync(HttpContext context)
    {
        string? session = sessions.Exchange(context.Request.Query["token"].ToString());
        if (session is null)
        {
            await PlainAsync(context, StatusCodes.Status401Unauthorized, "This sign-in address is spent or wrong: each works once. Press Enter in the terminal running bot-bottle-host dashboard for a new one.").ConfigureAwait(false);
            return;
        }

        context.Response.Cookies.Append(DashboardSessions.CookieName, session, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = "/";
    }

    /// <summary>A page: a static shell with the session's CSRF token; its script fetches the data.</summary>
    private static async Task PageAsync(HttpContext context, string page, string title, string csrf, string id = "")
    {
        HtmlEncoder html = HtmlEncoder.Default;
        string body = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="{html.Encode(csrf)}">
            <title>{html.Encode(title)} · bot-bottle</title>
            <link rel="stylesheet" href="/assets/dashboard.css">
            <script src="/assets/dashboard.js" defer></script>
            </head>
            <body data-page="{html.Encode(page)}" data-id="{html.Encode(id)}">
            <header><strong>bot-bottle</strong><nav><a href="/">Queue</a><a href="/bottles">Bottles</a><a href="/audit">Audit log</a></nav><span id="live" class="live">connecting…</span></header>
            <main id="main"><noscript>This dashboard needs JavaScript (its own script only).</noscript></main>
            </body>
            </html>

            """;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The queue, live: the pending proposals first, then every change as it happens, from the same
    /// change watcher as <c>queue watch</c> (woken by the database, one query per change; an idle page costs nothing).
    /// </summary>
    private async Task EventsAsync(HttpContext context)
    {
        if (Interlocked.Increment(ref _eventStreams) > MaxEventStreams)
        {
            Interlocked.Decrement(ref _eventStreams);
            await PlainAsync(context, StatusCodes.Status503ServiceUnavailable, $"{MaxEventStreams} live pages are open already; close one.").ConfigureAwait(false);
            return;
        }

        try
        {
            HttpResponse response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            using Stores watching = Stores.OpenForWatching(location);
            await response.WriteAsync("event: reset\ndata: {}\n\n", context.RequestAborted).ConfigureAwait(false);
            await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            await foreach (QueueEvent change in watching.Queue.WatchAsync(context.RequestAborted).ConfigureAwait(false))
            {
                QueueEvent shown = change with
                {
                    Slug = AgentText.Visible(change.Slug, multiline: false),
                    Tool = AgentText.Visible(change.Tool, multiline: false),
                    Reason = change.Reason is null ? null : AgentText.Visible(change.Reason, multiline: false),
                };
                await response.WriteAsync("data: " + JsonSerializer.Serialize(shown, DashboardJsonContext.Default.QueueEvent) + "\n\n", context.RequestAborted).ConfigureAwait(false);
                await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The page closed.
        }
        catch (StorageException exception) when (context.Response.HasStarted)
        {
            // The stream is open: say why it ends; the page shows it and its EventSource tries again.
            string error = JsonSerializer.Serialize(new DashboardError(StorageErrorCodes.Name(exception.Kind), exception.Message), DashboardJsonContext.Default.DashboardError);
            await context.Response.WriteAsync("event: failure\ndata: " + error + "\n\n", CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _eventStreams);
        }
    }

    private async Task ProposalAsync(HttpContext context, string id)
    {
        QueueStore queue = stores.Queue;
        Proposal proposal = queue.ReadProposal(id) ?? throw new StorageException(StorageErrorKind.NotFound, $"No proposal {id}.");
        DateTimeOffset? seen = queue.ReadFirstSeen(id);

        // Looking at it here is looking at it: the agent polling its task is told so, as after queue show.
        queue.MarkSeenByOperator(id);
        Response? response = queue.ReadResponse(id);
        string status = response is not null
            ? ResponseStatusSqliteText.ToText(response.Status)
            : queue.ReadWithdrawal(id) is not null ? "withdrawn" : proposal.Archived ? "archived" : "pending";
        string diff = UnifiedDiff.Create(proposal.CurrentFile, proposal.ProposedFile, "current", "proposed");
        var shown = new DashboardProposal(
            proposal.Id,
            AgentText.Visible(proposal.BottleSlug, multiline: false),
            AgentText.Visible(proposal.Tool, multiline: false),
            proposal.ArrivalTimestamp,
            status,
            seen,
            AgentText.Visible(proposal.Justification),
            AgentText.Visible(diff),
            AgentText.Visible(proposal.ProposedFile),
            proposal.ProposedFile,
            proposal.CurrentFile is null ? null : AgentText.Visible(proposal.CurrentFile),
            response is null ? null : AgentText.Visible(response.Notes),
            response?.FinalFile is null ? null : AgentText.Visible(response.FinalFile));
        await JsonAsync(context, 200, shown, DashboardJsonContext.Default.DashboardProposal).ConfigureAwait(false);
    }

    /// <summary>Answers a proposal through <see cref="OperatorDecisions"/>: the same rules and audit entry as the CLI and the C ABI.</summary>
    private async Task DecideAsync(HttpContext context, string id)
    {
        DashboardDecisionRequest? asked;
        try
        {
            asked = await JsonSerializer.DeserializeAsync(context.Request.Body, DashboardJsonContext.Default.DashboardDecisionRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            throw new StorageException(StorageErrorKind.InvalidArgument, "The decision is not valid JSON: " + exception.Message);
        }

        ResponseStatus status = asked?.Action switch
        {
            "approve" => ResponseStatus.Approved,
            "modify" => ResponseStatus.Modified,
            "reject" => ResponseStatus.Rejected,
            _ => throw new StorageException(StorageErrorKind.InvalidArgument, "action must be approve, modify or reject."),
        };
        Decision decision = stores.Decisions.Decide(id, status, asked!.Notes ?? string.Empty, status == ResponseStatus.Modified ? asked.FinalFile ?? string.Empty : null);
        await JsonAsync(context, 200, new DashboardDecisionResult(id, ResponseStatusSqliteText.ToText(decision.Response.Status), decision.AuditEntry.Id), DashboardJsonContext.Default.DashboardDecisionResult).ConfigureAwait(false);
    }

    private async Task AuditAsync(HttpContext context)
    {
        IQueryCollection query = context.Request.Query;
        string? bottle = query["bottle"].ToString() is { Length: > 0 } b ? b : null;
        string? tool = query["tool"].ToString() is { Length: > 0 } t ? t : null;
        int limit = int.TryParse(query["limit"], out int asked) && asked is > 0 and <= 1000 ? asked : 200;
        List<AuditEntry> entries = [.. stores.Audit.ReadAuditEntries(new AuditQuery(BottleSlug: bottle, Component: tool, Limit: limit))];
        IReadOnlyList<AuditEntry> shown = [.. entries.Select(static e => e with
        {
            BottleSlug = AgentText.Visible(e.BottleSlug, multiline: false),
            Component = AgentText.Visible(e.Component, multiline: false),
            OperatorNotes = AgentText.Visible(e.OperatorNotes),
            Justification = AgentText.Visible(e.Justification),
            Diff = AgentText.Visible(e.Diff),
        })];
        AuditChainReport? chain = query["verify"] == "1" ? stores.Audit.VerifyChain() : null;
        await JsonAsync(context, 200, new DashboardAudit(shown, chain), DashboardJsonContext.Default.DashboardAudit).ConfigureAwait(false);
    }

    private static async Task AssetAsync(HttpContext context, string name)
    {
        (string resource, string type) = name switch
        {
            "dashboard.js" => ("BotBottle.Sidecar.Dashboard.assets.dashboard.js", "text/javascript; charset=utf-8"),
            "dashboard.css" => ("BotBottle.Sidecar.Dashboard.assets.dashboard.css", "text/css; charset=utf-8"),
            _ => (string.Empty, string.Empty),
        };
        using Stream? asset = resource.Length == 0 ? null : Assembly.GetExecutingAssembly().GetManifestResourceStream(resource);
        if (asset is null)
        {
            await PlainAsync(context, StatusCodes.Status404NotFound, "Not found.").ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = type;
        context.Response.ContentLength = asset.Length;
        await asset.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private static int StatusFor(StorageErrorKind kind) => kind switch
    {
        StorageErrorKind.InvalidArgument => StatusCodes.Status400BadRequest,
        StorageErrorKind.NotFound => StatusCodes.Status404NotFound,
        StorageErrorKind.Conflict or StorageErrorKind.AlreadyAnswered => StatusCodes.Status409Conflict,
        StorageErrorKind.Denied => StatusCodes.Status403Forbidden,
        StorageErrorKind.LimitReached => StatusCodes.Status429TooManyRequests,
        StorageErrorKind.Internal => StatusCodes.Status500InternalServerError,
        // The database cannot be used right now (busy, read-only, full, unreadable, not there).
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    private static async Task JsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task PlainAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }
}
