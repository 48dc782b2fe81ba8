using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>A running <c>bot-bottle-sidecar broker</c> serving one bottle on a socket in the test home.</summary>
public sealed class BrokerProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _log;
    private readonly Task _logPump;

    private BrokerProcess(Process process, string socketPath, ConcurrentQueue<string> log, Task logPump)
    {
        Process = process;
        SocketPath = socketPath;
        _log = log;
        _logPump = logPump;
    }

    public Process Process { get; }

    public string SocketPath { get; }

    public JsonNode[] Log => _log.Select(static line => JsonNode.Parse(line)!).ToArray();

    /// <summary>How many lines the broker has logged so far.</summary>
    public int LogLineCount => _log.Count;

    public Task<bool> WaitForLogAsync(Func<JsonNode, bool> predicate, TimeSpan timeout) => JsonLines.WaitForAsync(() => Log, predicate, timeout);

    /// <summary>The TCP address the broker bound (tcp://127.0.0.1:PORT), when it was started with --listen.</summary>
    public string? TcpAddress => Log.Select(static e => (string?)e["tcp"]).FirstOrDefault(static t => t is not null) is { } bound ? "tcp://" + bound : null;

    public static Task<BrokerProcess> StartAsync(TestHome home, string slug = "bottle-a", string? socketPath = null)
    {
        socketPath ??= Path.Combine(home.Root, "broker.sock");
        return StartWithArgumentsAsync(home, socketPath, ["--socket", socketPath, "--slug", slug]);
    }

    /// <summary>A broker on TCP only (loopback, a free port), requiring the token in <paramref name="tokenFile"/>.</summary>
    public static Task<BrokerProcess> StartTcpAsync(TestHome home, string tokenFile, string slug = "bottle-a")
        => StartWithArgumentsAsync(home, string.Empty, ["--listen", "tcp://127.0.0.1:0", "--token-file", tokenFile, "--slug", slug]);

    /// <summary>
    /// A broker started as the host user whose home directory is <paramref name="homeDirectory"/>
    /// (so on the default database and paths under it), with <paramref name="arguments"/> after
    /// <c>broker</c>: a command line as the operator would type it.
    /// </summary>
    public static Task<BrokerProcess> StartAsHostUserAsync(string homeDirectory, string[] arguments)
        => StartAsync(SidecarBinary.StartExecutable("/usr/bin/env", ["HOME=" + homeDirectory, SidecarBinary.Path, "broker", .. arguments]), string.Empty);

    /// <summary>
    /// A broker on <paramref name="dbPath"/> run as <paramref name="uid"/> (setpriv): the host user
    /// who owns the database, whose socket (0600) a sidecar running as that user can connect to.
    /// </summary>
    public static Task<BrokerProcess> StartAsUserAsync(int uid, string dbPath, string socketPath, string[] arguments)
        => StartAsync(SidecarBinary.StartExecutable("setpriv", SidecarBinary.AsUser(uid, ["--db", dbPath, "broker", .. arguments])), socketPath);

    /// <summary>A broker run by <paramref name="executable"/> (bot-bottle-host, for fleet mode) with <paramref name="arguments"/> after <c>broker</c>.</summary>
    public static Task<BrokerProcess> StartExecutableAsync(string executable, string socketPath, string[] arguments)
        => StartAsync(SidecarBinary.StartExecutable(executable, ["broker", .. arguments]), socketPath);

    private static Task<BrokerProcess> StartWithArgumentsAsync(TestHome home, string socketPath, string[] arguments)
        => StartAsync(SidecarBinary.Start(["--db", home.DbPath, "broker", .. arguments]), socketPath);

    private static async Task<BrokerProcess> StartAsync(Process process, string socketPath)
    {
        process.StandardInput.Close();
        var log = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task pump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                log.Enqueue(line);
                if (line.Contains("\"event\":\"listening\"", StringComparison.Ordinal))
                {
                    listening.TrySetResult();
                }
            }

            listening.TrySetException(new InvalidOperationException("broker exited before listening: " + string.Join('\n', log)));
        });

        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new BrokerProcess(process, socketPath, log, pump);
    }

    /// <summary>Sends SIGTERM and waits for the exit code.</summary>
    public int Terminate()
    {
        using (Process kill = Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            kill.WaitForExit();
        }

        if (!Process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("the broker did not exit within 10 s of SIGTERM");
        }

        return Process.ExitCode;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        _logPump.Wait(TimeSpan.FromSeconds(5));
        Process.Dispose();
    }
}
