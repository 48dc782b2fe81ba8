using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>A running <c>bot-bottle-sidecar serve</c> on a free loopback port.</summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Task _logPump;

    private ServeProcess(Process process, Uri baseUrl, Task logPump, ConcurrentQueue<string> log)
    {
        _process = process;
        BaseUrl = baseUrl;
        _logPump = logPump;
        _log = log;
    }

    public Uri BaseUrl { get; }

    public Uri McpUrl => new(BaseUrl, "/mcp");

    public Process Process => _process;

    /// <summary>Every JSON log line written so far.</summary>
    public JsonNode[] Log => _log.Select(static line => JsonNode.Parse(line)!).ToArray();

    public static Task<ServeProcess> StartAsync(TestHome home, string slug = "bottle-a", params string[] extra)
        => StartWithQueueAsync(home, ["--db", home.DbPath], slug, extra);

    /// <summary>Starts serve with <paramref name="queueArgs"/> choosing the queue (--db PATH or --socket PATH).</summary>
    public static Task<ServeProcess> StartWithQueueAsync(TestHome home, string[] queueArgs, string slug = "bottle-a", params string[] extra)
        => AttachAsync(SidecarBinary.Start(ServeArguments(home, queueArgs, slug, extra)));

    /// <summary>
    /// Starts serve in a private mount namespace after <paramref name="setup"/> (bash, run as root)
    /// has built the mounts it should see; the network is shared, so the test reaches it as usual.
    /// </summary>
    public static Task<ServeProcess> StartInMountNamespaceAsync(TestHome home, string setup, string dbPath, string slug = "bottle-a", params string[] extra)
    {
        string serve = string.Join(' ', ServeArguments(home, ["--db", dbPath], slug, extra).Select(static a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var start = new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "bash", "-c", $"set -eu; {setup}\nexec \"$BIN\" {serve}"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["BIN"] = SidecarBinary.Path;
        return AttachAsync(Process.Start(start)!);
    }

    /// <summary>
    /// Starts serve as the unprivileged user <c>nobody</c> (setpriv), as a sidecar runs in its image,
    /// in <paramref name="workingDirectory"/> (default: this process's).
    /// </summary>
    public static Task<ServeProcess> StartAsNobodyAsync(TestHome home, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("setpriv", SidecarBinary.AsUser(65534, ServeArguments(home, ["--db", home.DbPath], "bottle-a", [])))
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return AttachAsync(Process.Start(start)!);
    }

    /// <summary>serve's arguments; a free port on 127.0.0.1 unless <paramref name="extra"/> says where to listen (a restart on the same address).</summary>
    private static string[] ServeArguments(TestHome home, string[] queueArgs, string slug, string[] extra) =>
    [
        "serve", .. queueArgs, "--slug", slug, .. extra.Contains("--listen") ? Array.Empty<string>() : ["--listen", "127.0.0.1:0"],
        "--current-config", home.CurrentConfig, "--progress-interval", "0.2", .. extra,
    ];

    private static async Task<ServeProcess> AttachAsync(Process process)
    {
        process.StandardInput.Close();
        var log = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task pump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                log.Enqueue(line);
                if (line.Contains("\"event\":\"listening\"", StringComparison.Ordinal))
                {
                    listening.TrySetResult((string)JsonNode.Parse(line)!["addresses"]!);
                }
            }

            listening.TrySetException(new InvalidOperationException("serve exited before listening: " + string.Join('\n', log) + process.StandardOutput.ReadToEnd()));
        });

        string address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new ServeProcess(process, new Uri(address.Split(' ')[0]), pump, log);
    }

    /// <summary>Sends SIGTERM, as a container runtime does on stop.</summary>
    public void Terminate()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    public Task<bool> WaitForLogAsync(Func<JsonNode, bool> predicate, TimeSpan timeout, int count = 1) => JsonLines.WaitForAsync(() => Log, predicate, timeout, count);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _logPump.Wait(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
