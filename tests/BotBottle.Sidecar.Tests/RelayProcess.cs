using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// tests/BotBottle.Sidecar.Tests/relay/relay.py running as its own process: a Unix socket in the
/// test home relayed to the broker the way VM runtimes relay it (one upstream connection per
/// connection, half-close, fragmented and slow delivery).
/// </summary>
public sealed class RelayProcess : IDisposable
{
    public static readonly string Script = Path.Combine(SidecarBinary.RepoRoot, "tests", "BotBottle.Sidecar.Tests", "relay", "relay.py");

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Task _logPump;

    private RelayProcess(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
        _logPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _log.Enqueue(line);
            }
        });
    }

    /// <summary>The socket a sidecar is pointed at.</summary>
    public string SocketPath { get; }

    /// <summary>One entry per connection that has ended.</summary>
    public JsonNode[] Log => _log.Select(static line => JsonNode.Parse(line)!).ToArray();

    /// <summary>
    /// Relays <paramref name="name"/>.sock in the home to <paramref name="upstream"/> (unix:PATH or
    /// tcp://HOST:PORT), fragmenting with a pause between pieces, and half-closing upstream after
    /// <paramref name="framesPerRequest"/> whole frames as a relay that treats a connection as one
    /// request does (0: only when the client half-closes). With <paramref name="listen"/> = vsock:PORT
    /// it listens on vsock instead of a socket in the home.
    /// </summary>
    public static async Task<RelayProcess> StartAsync(TestHome home, string upstream, int framesPerRequest, string name = "relay", string? listen = null)
    {
        string socketPath = listen ?? Path.Combine(home.Root, name + ".sock");
        List<string> arguments = [Script, "--listen", socketPath, "--upstream", upstream, "--fragment", "--pause-ms", "1"];
        if (framesPerRequest > 0)
        {
            arguments.AddRange(["--half-close-after-frames", framesPerRequest.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        var start = new ProcessStartInfo("python3", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        process.StandardInput.Close();
        var relay = new RelayProcess(process, socketPath);
        string? ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (ready != "relay listening")
        {
            relay.Dispose();
            throw new InvalidOperationException("the relay did not start: " + string.Join('\n', relay._log));
        }

        return relay;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _logPump.Wait(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}
