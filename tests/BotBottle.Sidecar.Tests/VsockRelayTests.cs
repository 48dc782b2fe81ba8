using System;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The shape of Apple container's and smolvm's socket relays with a real vsock hop in the middle: a
/// guest-side relay (Unix socket → vsock CID 1) and a host-side relay (vsock → the broker's socket).
/// It needs the kernel's vsock loopback transport; without it the test is skipped, saying why.
/// </summary>
public sealed class VsockRelayTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    [VsockLoopbackFact]
    public async Task Propose_wait_crosses_a_vsock_hop_between_two_relays_and_is_answered()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        int port = 20000 + Random.Shared.Next(10000);
        using RelayProcess host = await RelayProcess.StartAsync(_home, "unix:" + broker.SocketPath, framesPerRequest: 0, listen: "vsock:" + port);
        using RelayProcess guest = await RelayProcess.StartAsync(_home, "vsock://1:" + port, framesPerRequest: 1, name: "guest");

        Task<CommandResult> waiting = Task.Run(() => SidecarBinary.Run(
            "propose", "--broker", "unix:" + guest.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "over vsock", "--wait", "--json"));
        string id = await _home.WaitForPendingAsync();
        await Task.Delay(500);
        Assert.Equal(0, _home.Host("queue", "approve", id).ExitCode);

        CommandResult answered = await waiting.WaitAsync(TimeSpan.FromSeconds(30 * SidecarBinary.Patience));
        Assert.True(answered.ExitCode == 0, answered.Error);
        Assert.Equal("approved", (string)JsonNode.Parse(answered.Output)!["status"]!);
        Assert.NotEmpty(host.Log);
    }
}

/// <summary>A fact that runs only where the kernel can connect a vsock socket to itself; elsewhere it is skipped with the probe's reason.</summary>
public sealed class VsockLoopbackFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public VsockLoopbackFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = "no vsock loopback here: " + reason;
        }
    }

    private static string? Probe()
    {
        var start = new ProcessStartInfo("python3", [RelayProcess.Script, "--probe-vsock"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd().Trim();
        if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            process.Kill();
            return "the probe did not finish in 20 s";
        }

        return process.ExitCode == 0 ? null : output;
    }
}
