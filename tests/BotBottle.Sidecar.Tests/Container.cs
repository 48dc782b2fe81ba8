using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The sidecar image (BOTBOTTLE_IMAGE, built by build/image.sh) run by podman as a bot-bottle
/// backend runs it: read-only root, no capabilities, no new privileges, the host database's
/// directory at /run/supervise, the current config read-only. Removed on dispose.
/// </summary>
public sealed class Container : IDisposable
{
    private Container(string name, Uri baseUrl)
    {
        Name = name;
        BaseUrl = baseUrl;
    }

    public string Name { get; }

    /// <summary>Where the host reaches serve: the published port on a bridge network, or the address on the host's.</summary>
    public Uri BaseUrl { get; }

    public Uri McpUrl => new(BaseUrl, "/mcp");

    public static string Image => Environment.GetEnvironmentVariable("BOTBOTTLE_IMAGE") is { Length: > 0 } image
        ? image
        : throw new InvalidOperationException("BOTBOTTLE_IMAGE is not set: build the image with 'bash build/image.sh' and export the name it prints (build/test.sh does both)");

    /// <summary>The user the image runs as, which the host user must be (BOTBOTTLE_IMAGE_UID, as it was built).</summary>
    public static int UserId => int.Parse(Environment.GetEnvironmentVariable("BOTBOTTLE_IMAGE_UID") is { Length: > 0 } uid ? uid : "1000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The flags every container here runs with: what a bot-bottle backend passes.</summary>
    public static string[] Hardened => ["--read-only", "--cap-drop=ALL", "--security-opt", "no-new-privileges"];

    public static CommandResult Podman(params string[] args)
    {
        string conf = Environment.GetEnvironmentVariable("CONTAINERS_CONF") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(SidecarBinary.RepoRoot, "build", "containers.conf");
        return SidecarBinary.RunExecutable("/usr/bin/env", null, ["CONTAINERS_CONF=" + conf, "podman", .. args]);
    }

    /// <summary>Starts serve on a bridge network with its port published on the host's loopback, with <paramref name="runOptions"/> (the mounts).</summary>
    public static Task<Container> StartOnBridgeAsync(string[] runOptions, params string[] serveArgs)
        => StartAsync(["-p", "127.0.0.1::9100", .. runOptions], serveArgs, name =>
        {
            string published = Podman("port", name, "9100/tcp").Output.Trim().Split('\n')[0];
            return new Uri("http://" + published.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        });

    /// <summary>Starts serve on the host's network, listening on <paramref name="port"/> of its loopback.</summary>
    public static Task<Container> StartOnHostNetworkAsync(int port, string[] runOptions, params string[] serveArgs)
        => StartAsync(["--network", "host", .. runOptions], ["--listen", $"127.0.0.1:{port}", .. serveArgs], _ => new Uri($"http://127.0.0.1:{port}"));

    private static async Task<Container> StartAsync(string[] runOptions, string[] serveArgs, Func<string, Uri> address)
    {
        string name = "bb-test-" + Guid.NewGuid().ToString("N")[..12];
        CommandResult run = Podman(["run", "-d", "--name", name, .. Hardened, .. runOptions, Image, "--progress-interval", "0.2", .. serveArgs]);
        Assert.True(run.ExitCode == 0, "podman run: " + run);
        var container = new Container(name, address(name));
        try
        {
            await container.WaitUntilHealthyAsync();
            return container;
        }
        catch
        {
            container.Dispose();
            throw;
        }
    }

    /// <summary>Waits until /healthz answers 200 from the host.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string last = "no answer";
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(100))
        {
            try
            {
                using HttpResponseMessage health = await http.GetAsync(new Uri(BaseUrl, "/healthz"));
                if (health.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)health.StatusCode} {await health.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException exception)
            {
                last = exception.Message;
            }
        }

        throw new TimeoutException($"{Name} did not become healthy within 30 s ({last}); its log:\n{Logs()}");
    }

    /// <summary>Runs <c>bot-bottle-sidecar ARGS</c> inside the running container, as the image's user.</summary>
    public CommandResult Exec(params string[] args) => Podman(["exec", Name, "/usr/local/bin/bot-bottle-sidecar", .. args]);

    public string Logs()
    {
        CommandResult logs = Podman("logs", Name);
        return logs.Output + logs.Error;
    }

    public void Dispose() => Podman("rm", "-f", "-t", "0", Name);
}

/// <summary>
/// A test home owned by the image's user, as the host user's ~/.bot-bottle is: every host command
/// runs as that user too, so the files host and sidecar share (the -wal and -shm) are both theirs.
/// </summary>
public sealed class ContainerHome : IDisposable
{
    private readonly TestHome _home = new();

    public ContainerHome()
    {
        Chown(_home.Root);
        CommandResult migrate = Host("db", "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
    }

    public string Root => _home.Root;

    public string DbPath => _home.DbPath;

    public string DbDirectory => Path.GetDirectoryName(_home.DbPath)!;

    /// <summary>The host's database directory and current config, mounted as every backend that shares the database does.</summary>
    public string[] Mounts => ["-v", DbDirectory + ":/run/supervise", .. CurrentConfigMount];

    /// <summary>The current config alone, read-only, as the broker backends (whose database stays on the host) mount it.</summary>
    public string[] CurrentConfigMount => ["-v", _home.CurrentConfig + ":/etc/bot-bottle/current-config:ro"];

    public static void Chown(string path)
    {
        using Process chown = Process.Start("chown", ["-R", $"{Container.UserId}:{Container.UserId}", path])!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    /// <summary>A host command on this database, as the host user.</summary>
    public CommandResult Host(params string[] args) => AsHostUser(["--db", DbPath, .. args]);

    /// <summary>The binary run as the host user (the image's UID), with <paramref name="args"/>.</summary>
    public static CommandResult AsHostUser(params string[] args)
        => SidecarBinary.RunExecutable("setpriv", null, SidecarBinary.AsUser(Container.UserId, args));

    public System.Text.Json.Nodes.JsonNode HostJson(params string[] args)
    {
        CommandResult result = Host([.. args, "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return System.Text.Json.Nodes.JsonNode.Parse(result.Output)!;
    }

    /// <summary>Waits until exactly one proposal is pending, as the operator sees it, and returns its id.</summary>
    public async Task<string> WaitForPendingAsync()
    {
        for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(100))
        {
            if (HostJson("queue", "pending").AsArray().Select(static p => (string)p!["id"]!).ToArray() is [string id])
            {
                return id;
            }
        }

        throw new TimeoutException("no proposal became pending within 30 s");
    }

    /// <summary>The state <c>bottles</c> shows for <paramref name="slug"/>.</summary>
    public string BottleState(string slug)
        => (string)HostJson("bottles")["bottles"]!.AsArray().Single(b => (string?)b!["slug"] == slug)!["state"]!;

    public void Dispose() => _home.Dispose();
}
