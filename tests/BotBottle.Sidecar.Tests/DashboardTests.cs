using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace BotBottle.Sidecar.Tests;

/// <summary><c>bot-bottle-sidecar dashboard</c>, published, as a process: what it prints and how it signs in.</summary>
internal sealed class DashboardProcess : IDisposable
{
    private DashboardProcess(Process process, Uri signIn)
    {
        Process = process;
        SignIn = signIn;
    }

    public Process Process { get; }

    /// <summary>The printed one-time address.</summary>
    public Uri SignIn { get; }

    public Uri Base => new(SignIn.GetLeftPart(UriPartial.Authority));

    public static Task<DashboardProcess> StartAsync(TestHome home) => StartAsync(home.DbPath);

    /// <summary>Starts the dashboard on <paramref name="database"/>: a SQLite file or a fleet's postgres:// URL.</summary>
    public static async Task<DashboardProcess> StartAsync(string database)
    {
        Process process = SidecarBinary.StartExecutable(SidecarBinary.HostPath, "--db", database, "dashboard", "--listen", "127.0.0.1:0");
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30 * SidecarBinary.Patience);)
        {
            string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30 * SidecarBinary.Patience));
            if (line is null)
            {
                // Its standard error ends with it: read only once it has exited.
                Assert.Fail("dashboard exited: " + await process.StandardError.ReadToEndAsync());
            }

            if (line.StartsWith("Open http://", StringComparison.Ordinal))
            {
                return new DashboardProcess(process, new Uri(line["Open ".Length..]));
            }
        }

        throw new TimeoutException("dashboard printed no address");
    }

    /// <summary>Signs in with the printed address: the session cookie and the page's CSRF token.</summary>
    public async Task<(HttpClient Client, string Cookie, string Csrf)> SignInAsync()
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using HttpResponseMessage signedIn = await client.GetAsync(SignIn);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        string cookie = signedIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var page = new HttpRequestMessage(HttpMethod.Get, new Uri(Base, "/"));
        page.Headers.Add("Cookie", cookie);
        using HttpResponseMessage shell = await client.SendAsync(page);
        string html = await shell.Content.ReadAsStringAsync();
        string csrf = System.Text.RegularExpressions.Regex.Match(html, "name=\"csrf-token\" content=\"([0-9a-f]+)\"").Groups[1].Value;
        Assert.Equal(64, csrf.Length);
        return (client, cookie, csrf);
    }

    /// <summary>Reads the queue page's event stream until <paramref name="count"/> proposals are pending in it.</summary>
    public async Task<JsonNode[]> PendingAsync(HttpClient client, string cookie, int count)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Base, "/events"));
        request.Headers.Add("Cookie", cookie);
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var pending = new System.Collections.Generic.List<JsonNode>();
        while (pending.Count < count && await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30 * SidecarBinary.Patience)) is { } line)
        {
            if (line.StartsWith("data: {\"event\"", StringComparison.Ordinal) && JsonNode.Parse(line["data: ".Length..]) is { } change && (string?)change["event"] is "pending" or "proposed")
            {
                pending.Add(change);
            }
        }

        return [.. pending];
    }

    /// <summary>Answers <paramref name="id"/> as the page does.</summary>
    public async Task<HttpResponseMessage> DecideAsync(HttpClient client, string cookie, string csrf, string id, string decision)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Base, $"/api/proposal/{id}/decision")) { Content = new StringContent(decision, Encoding.UTF8, "application/json") };
        request.Headers.Add("Cookie", cookie);
        request.Headers.Add("X-CSRF-Token", csrf);
        request.Headers.Add("Origin", Base.ToString().TrimEnd('/'));
        return await client.SendAsync(request);
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}

/// <summary>The dashboard's defences, probed as a hostile page or a rebinding attacker would.</summary>
public sealed class DashboardSecurityTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private string Propose(string justification = "needs the registry")
    {
        CommandResult proposed = _home.Host("propose", "--slug", "bottle-a", "--tool", "pipelock-block", "--justification", justification, "--file", AllowList(_home));
        Assert.True(proposed.ExitCode == 0, proposed.Error);
        return proposed.Output.Trim();
    }

    [Fact]
    public void The_sidecar_executable_leaves_the_dashboard_out_and_says_where_it_is()
    {
        CommandResult result = _home.Host("dashboard", "--listen", "127.0.0.1:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("run bot-bottle-host dashboard", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0:0")]
    [InlineData("192.0.2.1:8765")]
    [InlineData("localhost")]
    public void The_dashboard_listens_on_loopback_only(string listen)
    {
        CommandResult result = SidecarBinary.RunExecutable(SidecarBinary.HostPath, null, "--db", _home.DbPath, "dashboard", "--listen", listen);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--listen", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_address_works_once_and_nothing_answers_without_the_session()
    {
        using DashboardProcess dashboard = await DashboardProcess.StartAsync(_home);
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        foreach (string path in new[] { "/", "/events", "/api/bottles", "/audit", "/api/audit" })
        {
            using HttpResponseMessage refused = await anonymous.GetAsync(new Uri(dashboard.Base, path));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        (HttpClient client, string cookie, _) = await dashboard.SignInAsync();
        using (client)
        {
            using HttpResponseMessage again = await anonymous.GetAsync(dashboard.SignIn);
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
            Assert.False(again.Headers.Contains("Set-Cookie"));
            using HttpResponseMessage forged = await Get(client, new Uri(dashboard.Base, "/api/bottles"), "bb_dashboard=" + new string('0', 64));
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
            using HttpResponseMessage ok = await Get(client, new Uri(dashboard.Base, "/api/bottles"), cookie);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        // Enter in the dashboard's terminal mints a new address; the spent one stays spent.
        await dashboard.Process.StandardInput.WriteLineAsync();
        await dashboard.Process.StandardInput.FlushAsync();
        string? line;
        do
        {
            line = await dashboard.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        while (line is not null && !line.StartsWith("Open ", StringComparison.Ordinal));

        Assert.StartsWith($"Open {dashboard.Base.ToString().TrimEnd('/')}/sign-in?token=", line, StringComparison.Ordinal);
        using HttpResponseMessage renewed = await anonymous.GetAsync(new Uri(line!["Open ".Length..]));
        Assert.Equal(HttpStatusCode.SeeOther, renewed.StatusCode);
        Assert.Contains("samesite=strict", renewed.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", renewed.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_rebinding_host_a_foreign_origin_and_a_change_without_the_csrf_token_are_refused_and_decide_nothing()
    {
        string id = Propose();
        using DashboardProcess dashboard = await DashboardProcess.StartAsync(_home);
        (HttpClient client, string cookie, string csrf) = await dashboard.SignInAsync();
        using (client)
        {
            Uri decision = new(dashboard.Base, $"/api/proposal/{id}/decision");
            const string Approve = """{"action":"approve","notes":"forged"}""";

            // DNS rebinding: the attacker's name, resolved to 127.0.0.1, is what the browser sends as Host.
            using (var rebound = new HttpRequestMessage(HttpMethod.Get, new Uri(dashboard.Base, "/api/bottles")))
            {
                rebound.Headers.Host = "rebound.example:" + dashboard.Base.Port;
                rebound.Headers.Add("Cookie", cookie);
                using HttpResponseMessage refused = await client.SendAsync(rebound);
                Assert.Equal(HttpStatusCode.MisdirectedRequest, refused.StatusCode);
            }

            Assert.Equal(HttpStatusCode.Forbidden, (await Post(client, decision, cookie, Approve, "application/json", csrf, "http://evil.example")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Post(client, decision, cookie, Approve, "application/json", csrf, "null")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Post(client, decision, cookie, Approve, "application/json", csrf: null, dashboard.Base.ToString().TrimEnd('/'))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Post(client, decision, cookie, Approve, "application/json", new string('a', 64), dashboard.Base.ToString().TrimEnd('/'))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Post(client, decision, cookie, "action=approve", "application/x-www-form-urlencoded", csrf, dashboard.Base.ToString().TrimEnd('/'))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Post(client, decision, cookie, Approve, "application/json", csrf, origin: null)).StatusCode);
            Assert.Equal([id], _home.PendingIds());

            // With everything right, the same request decides, through the same call as the CLI.
            using HttpResponseMessage decided = await Post(client, decision, cookie, """{"action":"reject","notes":"not today"}""", "application/json", csrf, dashboard.Base.ToString().TrimEnd('/'));
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
            Assert.Empty(_home.PendingIds());
            JsonNode entry = Assert.Single(_home.HostJson("audit", "list").AsArray())!;
            Assert.Equal(("rejected", "not today"), ((string?)entry["operator_action"], (string?)entry["operator_notes"]));

            // A second answer is a conflict, not an outage: 409 with the store's reason, and the first stands.
            using HttpResponseMessage again = await Post(client, decision, cookie, Approve, "application/json", csrf, dashboard.Base.ToString().TrimEnd('/'));
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("already_answered", (string?)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["error"]);
            Assert.Single(_home.HostJson("audit", "list").AsArray());
        }
    }

    [Fact]
    public async Task Every_response_carries_a_csp_without_inline_script_and_agent_text_is_sent_visible_as_json_text()
    {
        string id = Propose("<script>alert(1)</script><img src=x onerror=alert(2)> zero\u200bwidth");
        using DashboardProcess dashboard = await DashboardProcess.StartAsync(_home);
        (HttpClient client, string cookie, _) = await dashboard.SignInAsync();
        using (client)
        {
            using HttpResponseMessage page = await Get(client, new Uri(dashboard.Base, $"/proposal/{id}"), cookie);
            string csp = page.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
            string html = await page.Content.ReadAsStringAsync();
            Assert.DoesNotContain("alert", html, StringComparison.Ordinal);

            using HttpResponseMessage api = await Get(client, new Uri(dashboard.Base, $"/api/proposal/{id}"), cookie);
            Assert.StartsWith("application/json", api.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
            string raw = await api.Content.ReadAsStringAsync();
            Assert.DoesNotContain("<script", raw, StringComparison.Ordinal);
            JsonNode shown = JsonNode.Parse(raw)!;
            Assert.Equal("<script>alert(1)</script><img src=x onerror=alert(2)> zero<U+200B>width", (string?)shown["justification"]);
        }
    }

    /// <summary>A proposed allowlist file in <paramref name="home"/>.</summary>
    internal static string AllowList(TestHome home)
    {
        string path = Path.Combine(home.Root, "allowlist");
        File.WriteAllText(path, "registry.npmjs.org\n");
        return path;
    }

    private static Task<HttpResponseMessage> Get(HttpClient client, Uri url, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> Post(HttpClient client, Uri url, string cookie, string body, string contentType, string? csrf, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("Cookie", cookie);
        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return client.SendAsync(request);
    }
}

/// <summary>
/// The dashboard in a real browser (Debian's Chromium, headless, through puppeteer-core): an agent
/// proposes through MCP, the page shows it without a reload, the operator modifies it in the page,
/// and the agent's blocking call returns the operator's file.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output) : IDisposable
{

    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task An_agents_proposal_appears_live_is_modified_in_the_page_and_the_agent_receives_the_operators_file()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian's chromium is needed (build/test.sh installs it as root)");
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        using DashboardProcess dashboard = await DashboardProcess.StartAsync(_home);
        string? screenshots = Environment.GetEnvironmentVariable("BOTBOTTLE_SCREENSHOTS");
        var start = new ProcessStartInfo(Path.Combine(SidecarBinary.NodeClients, "node_modules", ".bin", "node"), [Path.Combine(SidecarBinary.NodeClients, "dashboard.mjs"), dashboard.SignIn.ToString(), .. screenshots is null ? Array.Empty<string>() : [screenshots]])
        {
            WorkingDirectory = SidecarBinary.NodeClients,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process browser = Process.Start(start)!;
        Task<string> errors = browser.StandardError.ReadToEndAsync();
        try
        {
            JsonNode ready = await StepAsync(browser, errors);
            Assert.Equal(dashboard.Base + "", (string?)ready["url"]);
            JsonNode cookie = ready["cookies"]!.AsArray().Single()!;
            Assert.Equal(("bb_dashboard", true, "Strict"), ((string?)cookie["name"], (bool?)cookie["httpOnly"], (string?)cookie["sameSite"]));

            // 20 proposals written by other processes (two other bottles, within their burst): each row appears without a reload.
            const int Proposals = 20;
            string hostile = "";
            for (int i = 0; i < Proposals; i++)
            {
                string justification = i == 7 ? "<script>alert(1)</script><img src=x onerror=alert(2)> and zero\u200bwidth" : $"proposal {i}";
                CommandResult proposed = _home.Host("propose", "--slug", i % 2 == 0 ? "bottle-b" : "bottle-c", "--tool", "pipelock-block", "--justification", justification, "--file", DashboardSecurityTests.AllowList(_home));
                Assert.True(proposed.ExitCode == 0, proposed.Error);
                hostile = i == 7 ? proposed.Output.Trim() : hostile;
                await Task.Delay(150);
            }

            JsonNode arrived = await CommandAsync(browser, errors, new JsonObject { ["await"] = Proposals, ["screenshot"] = "dashboard-queue.png" });
            double[] latencies = [.. arrived["rows"]!.AsArray().Select(static r => (double)r!["latencyMs"]!).Order()];
            output.WriteLine($"page update after a proposal was written by another process, over {latencies.Length}: p50 {latencies[latencies.Length / 2]:F0} ms, max {latencies[^1]:F0} ms");
            Assert.Equal(Proposals, latencies.Length);
            Assert.True(latencies[^1] <= 1000 * SidecarBinary.Patience, $"slowest update {latencies[^1]:F0} ms");

            // The hostile justification is inert text, marked, and set apart as the agent's.
            JsonNode inspected = await CommandAsync(browser, errors, new JsonObject { ["inspect"] = hostile });
            Assert.Equal("<script>alert(1)</script><img src=x onerror=alert(2)> and zero<U+200B>width", (string?)inspected["justification"]);
            Assert.Equal(["<U+200B>"], inspected["marks"]!.AsArray().Select(static m => (string?)m));
            Assert.Equal(["/assets/dashboard.js"], inspected["scripts"]!.AsArray().Select(static s => (string?)s));
            Assert.Equal(0, (int)inspected["images"]!);
            Assert.Empty(inspected["dialogs"]!.AsArray());
            Assert.Contains("written by the agent", (string?)inspected["labelled"], StringComparison.Ordinal);

            // An agent proposes through MCP and blocks; the operator modifies it in the page.
            using var mcp = new McpHttpClient(serve.McpUrl);
            Task<SseTranscript> call = mcp.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", """{"proposed_file":"registry.npmjs.org\n*.evil.example\n","justification":"npm install"}"""));
            string id = await WaitForNewPendingAsync(Proposals + 1);
            JsonNode decided = await CommandAsync(browser, errors, new JsonObject { ["modify"] = id, ["file"] = "registry.npmjs.org\n", ["notes"] = "the registry only", ["screenshot"] = "dashboard-proposal.png" });
            Assert.Equal("modified", (string?)decided["status"]);
            SseTranscript answered = await call.WaitAsync(TimeSpan.FromSeconds(30 * SidecarBinary.Patience));
            JsonNode result = answered.Response["result"]!["structuredContent"]!;
            Assert.Equal(("modified", "registry.npmjs.org\n", "the registry only"), ((string?)result["status"], (string?)result["final_file"], (string?)result["notes"]));

            // The audit page shows the entry, and the chain verifies.
            JsonNode audit = await CommandAsync(browser, errors, new JsonObject { ["audit"] = true });
            Assert.Contains("holds", (string?)audit["chain"], StringComparison.Ordinal);
            JsonNode row = audit["rows"]!.AsArray().Single()!;
            Assert.Equal(("bottle-a", "pipelock-block", "modified", "the registry only"), ((string?)row["cells"]![2], (string?)row["cells"]![3], (string?)row["cells"]![4], (string?)row["cells"]![5]));

            // The audit page follows decisions made elsewhere: a rejection in the terminal appears without a reload.
            JsonNode watchingAudit = await CommandAsync(browser, errors, new JsonObject { ["watchAudit"] = true });
            Assert.Equal(1, (int)watchingAudit["rows"]!);
            string[] pending = _home.PendingIds();
            Assert.Equal(0, _home.Host("queue", "reject", pending[0], "--notes", "not this one").ExitCode);
            JsonNode grown = await CommandAsync(browser, errors, new JsonObject { ["awaitAuditRows"] = 2 });
            Assert.True((bool)grown["sameDocument"]!, "the audit page reloaded instead of updating");
            Assert.Contains(grown["rows"]!.AsArray(), static r => (string?)r!["cells"]![4] == "rejected" && (string?)r["cells"]![5] == "not this one");

            // A proposal's page open while it is answered in the terminal: its form goes, and it says so.
            await CommandAsync(browser, errors, new JsonObject { ["watchProposal"] = pending[1] });
            Assert.Equal(0, _home.Host("queue", "approve", pending[1]).ExitCode);
            JsonNode changed = await CommandAsync(browser, errors, new JsonObject { ["awaitNotice"] = true });
            Assert.Equal(("Answered elsewhere: approved.", "approved", false), ((string?)changed["notice"], (string?)changed["status"], (bool)changed["form"]!));

            // A tab that has not heard of an answer yet, answering too: the store refuses the second answer and the tab shows what stands.
            await CommandAsync(browser, errors, new JsonObject { ["stale"] = pending[2] });
            Assert.Equal(0, _home.Host("queue", "reject", pending[2], "--notes", "first").ExitCode);
            JsonNode conflict = await CommandAsync(browser, errors, new JsonObject { ["approveStale"] = true });
            Assert.StartsWith("Not answered here:", (string?)conflict["notice"], StringComparison.Ordinal);
            Assert.Equal(("rejected", false), ((string?)conflict["status"], (bool)conflict["form"]!));

            // A hostile page's form post decides nothing.
            string target = _home.PendingIds()[0];
            JsonNode forged = await CommandAsync(browser, errors, new JsonObject { ["forge"] = target });
            Assert.True((int?)forged["status"] is 401 or 403, forged.ToJsonString());
            Assert.Contains(target, _home.PendingIds());
        }
        finally
        {
            browser.StandardInput.Close();
            if (!browser.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                browser.Kill(entireProcessTree: true);
            }
        }
    }

    private async Task<string> WaitForNewPendingAsync(int count)
    {
        for (var clock = Stopwatch.StartNew(); ; await Task.Delay(50))
        {
            string[] pending = _home.PendingIds();
            if (pending.Length >= count)
            {
                JsonNode newest = _home.HostJson("queue", "pending").AsArray().Last(static p => (string?)p!["justification"] == "npm install")!;
                return (string)newest["id"]!;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the agent's proposal did not queue");
        }
    }

    private static async Task<JsonNode> CommandAsync(Process browser, Task<string> errors, JsonObject command)
    {
        await browser.StandardInput.WriteLineAsync(command.ToJsonString());
        await browser.StandardInput.FlushAsync();
        return await StepAsync(browser, errors);
    }

    private static async Task<JsonNode> StepAsync(Process browser, Task<string> errors)
    {
        string? line = await browser.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60 * SidecarBinary.Patience));
        if (line is null)
        {
            if (!browser.WaitForExit(5000))
            {
                browser.Kill(entireProcessTree: true);
            }

            Assert.Fail("the browser script ended: " + await errors);
        }

        return JsonNode.Parse(line)!;
    }
}
