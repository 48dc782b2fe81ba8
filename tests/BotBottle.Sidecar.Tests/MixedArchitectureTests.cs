using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The deployments of a Mac user, reproduced on one Linux machine: the binary under test (the
/// linux-arm64 build, under QEMU) plays the sidecar or the host, and the host architecture's
/// build (BOTBOTTLE_HOST_BIN) plays the other side, over the same database directory or the
/// broker's socket. build/test.sh runs these in the linux-arm64 pass only.
/// </summary>
[Trait("Category", "MixedArch")]
public sealed class MixedArchitectureTests : IDisposable
{
    private readonly TestHome _home = new();
    private readonly string _host = Launcher.HostBinary
        ?? throw new InvalidOperationException("BOTBOTTLE_HOST_BIN must name the host architecture's bot-bottle-sidecar (build/test.sh sets it)");

    public MixedArchitectureTests()
    {
        CommandResult migrated = Host("db", "migrate");
        Assert.True(migrated.ExitCode == 0, migrated.ToString());
    }

    public void Dispose() => _home.Dispose();

    private CommandResult Host(params string[] args) => SidecarBinary.RunExecutable(_host, null, ["--db", _home.DbPath, .. args]);

    private JsonNode HostJson(params string[] args)
    {
        CommandResult result = Host([.. args, "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Output)!;
    }

    private static async Task<string> WaitForPendingAsync(Func<string[]> pending)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (pending() is [string id])
            {
                return id;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no proposal became pending within 60 s");
    }

    private string[] HostPending() => HostJson("queue", "pending").AsArray().Select(static p => (string)p!["id"]!).ToArray();

    [Fact]
    public async Task An_emulated_sidecar_writes_into_the_database_directory_and_the_native_host_answers()
    {
        File.WriteAllText(Path.Combine(_home.Root, "current"), "a.example\n");
        using Process sidecar = SidecarBinary.Start("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "pipelock-block", "--justification", "docs", "--file", "-", "--current", Path.Combine(_home.Root, "current"), "--wait", "--timeout", "120");
        await sidecar.StandardInput.WriteAsync("a.example\nb.example\n");
        sidecar.StandardInput.Close();
        string id = await WaitForPendingAsync(HostPending);

        CommandResult approve = Host("queue", "approve", id, "--notes", "from x64");
        string output = await sidecar.StandardOutput.ReadToEndAsync();
        await sidecar.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(approve.ExitCode == 0, approve.ToString());
        Assert.True(sidecar.ExitCode == 0, output + await sidecar.StandardError.ReadToEndAsync());
        Assert.Equal("approved", (string)JsonNode.Parse(output)!["status"]!);
        Assert.Contains("+b.example", (string)HostJson("audit", "list")[0]!["diff"]!, StringComparison.Ordinal);
        Assert.Equal(0, Host("audit", "verify").ExitCode);
    }

    [Fact]
    public async Task An_emulated_sidecar_talks_to_a_native_host_broker_over_the_unix_socket()
    {
        string socket = Path.Combine(_home.Root, "broker.sock");
        using Process broker = SidecarBinary.StartExecutable(_host, "--db", _home.DbPath, "broker", "--socket", socket, "--slug", "bottle-a");
        try
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(socket) && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }

            using Process sidecar = SidecarBinary.Start("propose", "--socket", socket, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "through the broker", "--wait", "--timeout", "120");
            sidecar.StandardInput.Close();
            string id = await WaitForPendingAsync(HostPending);
            Assert.Equal(0, Host("queue", "reject", id, "--notes", "not today").ExitCode);
            string output = await sidecar.StandardOutput.ReadToEndAsync();
            await sidecar.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(10, sidecar.ExitCode);
            Assert.Equal("not today", (string)JsonNode.Parse(output)!["notes"]!);
            Assert.Empty(HostPending());
        }
        finally
        {
            broker.Kill();
            await broker.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_native_sidecar_is_answered_by_the_emulated_host_tools_which_hash_and_verify()
    {
        using Process sidecar = SidecarBinary.StartExecutable(_host, "--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "from x64", "--wait", "--timeout", "120");
        sidecar.StandardInput.Close();
        string id = await WaitForPendingAsync(_home.PendingIds);

        string final = Path.Combine(_home.Root, "final");
        File.WriteAllText(final, "rewritten on arm64\n");
        CommandResult modify = _home.Host("queue", "modify", id, "--final-file", final, "--notes", "changed");
        string output = await sidecar.StandardOutput.ReadToEndAsync();
        await sidecar.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        CommandResult verify = _home.Host("audit", "verify");
        CommandResult nativeVerify = Host("audit", "verify");

        Assert.True(modify.ExitCode == 0, modify.ToString());
        Assert.Equal(0, sidecar.ExitCode);
        Assert.Equal("rewritten on arm64\n", (string)JsonNode.Parse(output)!["final_file"]!);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.True(nativeVerify.ExitCode == 0, "the chain hashed on arm64 verifies on x64: " + nativeVerify);
    }

    [Fact]
    public async Task A_native_sidecar_talks_to_an_emulated_host_broker()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        using Process sidecar = SidecarBinary.StartExecutable(_host, "propose", "--socket", broker.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "x64 via arm64 broker", "--wait", "--timeout", "120");
        sidecar.StandardInput.Close();
        string id = await WaitForPendingAsync(HostPending);

        Assert.Equal(0, Host("queue", "approve", id).ExitCode);
        await sidecar.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, sidecar.ExitCode);
    }

    [Fact]
    public async Task The_arm64_library_does_a_full_round_trip_from_a_c_program_while_the_native_host_answers()
    {
        string dist = Path.GetDirectoryName(Path.GetFullPath(Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_BIN")!))!;

        // build/test.sh points this at the arm64 Python wheel's unpacked package, so the wheel's own
        // libbotbottle and libe_sqlite3 are what the emulated program loads.
        string library = Environment.GetEnvironmentVariable("BOTBOTTLE_ARM64_LIBRARY_DIR") ?? dist;
        Assert.True(File.Exists(Path.Combine(library, "libbotbottle.so")) && File.Exists(Path.Combine(library, "libe_sqlite3.so")), $"no libbotbottle.so and libe_sqlite3.so in {library}");
        string program = Path.Combine(_home.Root, "abi_roundtrip");
        CommandResult compiled = Shell($"aarch64-linux-gnu-gcc -std=c11 -Wall -Wextra -Werror -I '{dist}/include' -o '{program}' '{SidecarBinary.RepoRoot}/tests/BotBottle.Native.Tests/c/abi_roundtrip.c' -L '{library}' -lbotbottle -Wl,-rpath,'{library}'");
        Assert.True(compiled.ExitCode == 0, compiled.ToString());

        using Process client = SidecarBinary.StartExecutable(Launcher.Wrap(Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_LAUNCHER")!, program), _home.DbPath);
        client.StandardInput.Close();
        string first = (await client.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!;
        Assert.StartsWith("proposed ", first, StringComparison.Ordinal);
        Assert.Equal(0, Host("queue", "approve", first["proposed ".Length..], "--notes", "x64 says yes").ExitCode);
        string rest = await client.StandardOutput.ReadToEndAsync();
        await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(client.ExitCode == 0, rest + await client.StandardError.ReadToEndAsync());
        Assert.Equal("answered approved\nok\n", rest);
        Assert.Equal("applied", (string)HostJson("audit", "list", "--slug", "arm-host").AsArray().Last()!["operator_action"]!);
        Assert.Equal(0, Host("audit", "verify").ExitCode);
    }

    [Fact]
    public void Hashing_without_libssl_is_a_clear_error_not_an_abort()
    {
        string id = Host("propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "needs a hash").Output.Trim();
        string bare = Launcher.Wrap("qemu-aarch64-static -L /usr/aarch64-linux-gnu", Path.GetFullPath(Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_BIN")!));

        CommandResult approve = SidecarBinary.RunExecutable(bare, null, "--db", _home.DbPath, "queue", "approve", id);

        Assert.True(approve.ExitCode == 14, approve.ToString());
        Assert.Contains("apt-get install libssl3", approve.Error, StringComparison.Ordinal);
        Assert.Equal([id], HostPending());
        Assert.Equal(0, Host("db", "check").ExitCode);
    }

    private static CommandResult Shell(string script)
    {
        using Process process = Process.Start(new ProcessStartInfo("bash", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return new CommandResult(process.ExitCode, output, error);
    }
}
