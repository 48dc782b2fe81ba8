using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using ModelContextProtocol.Client;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The image built from Dockerfile.sidecars (build/image.sh), run by a real container engine (podman,
/// as root, with runc) the way a bot-bottle backend starts the sidecar, against a host that is this
/// test: host commands and brokers run as the image's user, as the host user's would.
/// </summary>
[Trait("Category", "Container")]
[Collection(nameof(ContainerTests))]
public sealed class ContainerTests : IDisposable
{
    private readonly ContainerHome _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task On_a_bridge_network_healthz_answers_and_the_images_healthcheck_turns_unhealthy_when_the_database_is_unusable()
    {
        using Container sidecar = await Container.StartOnBridgeAsync(_home.Mounts, "--slug", "bottle-a");
        using (var http = new HttpClient())
        {
            Assert.Equal("ok\n", await http.GetStringAsync(new Uri(sidecar.BaseUrl, "/healthz")));
        }

        CommandResult healthy = Container.Podman("healthcheck", "run", sidecar.Name);
        Assert.True(healthy.ExitCode == 0, healthy.ToString());

        // The host user's database made read-only: the sidecar can no longer do its job, and says so.
        File.SetUnixFileMode(_home.DbPath, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        CommandResult unhealthy = Container.Podman("healthcheck", "run", sidecar.Name);
        Assert.True(unhealthy.ExitCode != 0, unhealthy.ToString());
        Assert.Contains("unhealthy", unhealthy.Output + unhealthy.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_typescript_client_in_a_container_gets_the_hosts_approval_and_every_file_the_container_makes_is_the_host_users()
    {
        File.WriteAllText(Path.Combine(_home.Root, "current-config", "allowlist"), "a.example\n");
        using Container sidecar = await Container.StartOnBridgeAsync(_home.Mounts, "--slug", "bottle-a");
        using Process node = SuperviseTypeScriptClientTests.StartClient("client.mjs", sidecar.McpUrl);
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> error = node.StandardError.ReadToEndAsync();

        string id = await _home.WaitForPendingAsync();
        await Task.Delay(700); // a few progress notifications (every 0.2 s) while the call waits
        Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "from the host").ExitCode);

        (JsonNode tools, JsonNode result) = await SuperviseTypeScriptClientTests.ToolsAndResultAsync(node, output, error);
        Assert.Equal(4, tools["names"]!.AsArray().Count);
        Assert.Equal(("approved", "from the host", id), ((string?)result["structured"]!["status"], (string?)result["structured"]!["notes"], (string?)result["structured"]!["proposal_id"]));
        Assert.True((int)result["progress"]! >= 1, "progress notifications crossed the container's network");

        // The proposal was hashed against the read-only current config the container was given.
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("a.example\n"u8)), (string?)_home.HostJson("queue", "show", id)["proposal"]!["current_file_hash"]);
        foreach (string file in Directory.GetFiles(_home.DbDirectory))
        {
            using Process stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u:%g", file]) { RedirectStandardOutput = true })!;
            Assert.Equal($"{Container.UserId}:{Container.UserId}", stat.StandardOutput.ReadToEnd().Trim());
        }
    }

    [Fact]
    public async Task A_durable_task_outlives_a_podman_restart_and_returns_the_hosts_decision()
    {
        using Container sidecar = await Container.StartOnBridgeAsync(_home.Mounts, "--slug", "bottle-a");
        string taskId;
        await using (McpClient client = await DurableTaskTests.ConnectAsync(sidecar.McpUrl))
        {
            JsonNode created = await DurableTaskTests.CallWithTaskAsync(client, "needs the example API");
            Assert.Equal("working", (string?)created["status"]);
            taskId = (string)created["taskId"]!;
        }

        CommandResult restart = Container.Podman("restart", "-t", "10", sidecar.Name);
        Assert.True(restart.ExitCode == 0, restart.ToString());
        await sidecar.WaitUntilHealthyAsync();
        Assert.Equal(0, _home.Host("queue", "approve", taskId, "--notes", "after the restart").ExitCode);

        await using McpClient again = await DurableTaskTests.ConnectAsync(sidecar.McpUrl);
        JsonNode done = await DurableTaskTests.GetTaskAsync(again, taskId);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(("approved", "after the restart"), ((string?)done["result"]!["structuredContent"]!["status"], (string?)done["result"]!["structuredContent"]!["notes"]));
    }

    [Fact]
    public async Task On_the_host_network_doctor_in_the_container_is_all_ok_and_propose_wait_inside_it_is_woken_by_the_host()
    {
        using Container sidecar = await Container.StartOnHostNetworkAsync(FreePort(), _home.Mounts, "--slug", "bottle-a");

        CommandResult doctor = sidecar.Exec("doctor", "--sidecar");
        Assert.True(doctor.ExitCode == 0, doctor.ToString() + sidecar.Logs());

        Task<CommandResult> waiting = Task.Run(() => sidecar.Exec("propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "from inside the container", "--wait"));
        string id = await _home.WaitForPendingAsync();
        Assert.Equal(0, _home.Host("queue", "approve", id).ExitCode);
        CommandResult proposed = await waiting.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(proposed.ExitCode == 0, proposed.ToString());
        Assert.Equal(("approved", id), ((string?)JsonNode.Parse(proposed.Output)!["status"], (string?)JsonNode.Parse(proposed.Output)!["proposal_id"]));
    }

    [Fact]
    public async Task Another_sidecars_image_made_with_the_readme_recipe_proposes_and_waits_with_bot_bottle_propose()
    {
        // The README's COPY line, in the image of a sidecar that is not the supervise one, on a plain Debian base.
        string architecture = Container.Podman("image", "inspect", "--format", "{{.Architecture}}", Container.Image).Output.Trim();
        string context = Path.Combine(_home.Root, "other-sidecar");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "Dockerfile"), $"""
            FROM localhost/bot-bottle-base:bookworm-{architecture}
            COPY --from={Container.Image} /usr/local/bin/bot-bottle-propose /usr/local/bin/libe_sqlite3.so /usr/local/bin/
            USER {Container.UserId}:{Container.UserId}
            ENTRYPOINT ["/usr/local/bin/bot-bottle-propose"]
            """);
        string image = "localhost/bb-test-other-sidecar:" + Guid.NewGuid().ToString("N")[..8];
        CommandResult build = Container.Podman("build", "--quiet", "--format", "docker", "-t", image, context);
        Assert.True(build.ExitCode == 0, build.ToString());
        try
        {
            CommandResult help = Container.Podman("run", "--rm", image, "--help");
            Assert.True(help.ExitCode == 0 && help.Output.Contains("bot-bottle-propose [options]", StringComparison.Ordinal), help.ToString());
            Task<CommandResult> waiting = Task.Run(() => Container.Podman(["run", "--rm", .. Container.Hardened, .. _home.Mounts, image, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "gitleaks: a test fixture", "--wait", "--timeout", "60"]));
            string id = await _home.WaitForPendingAsync();
            Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "fixture, fine").ExitCode);
            CommandResult proposed = await waiting.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(proposed.ExitCode == 0, proposed.ToString());
            Assert.Equal(("approved", id), ((string?)JsonNode.Parse(proposed.Output)!["status"], (string?)JsonNode.Parse(proposed.Output)!["proposal_id"]));
        }
        finally
        {
            Container.Podman("rmi", "-f", image);
        }
    }

    [Fact]
    public void The_database_file_mounted_on_its_own_is_refused_with_exit_9()
    {
        byte[] before = File.ReadAllBytes(_home.DbPath);

        CommandResult run = Container.Podman(["run", "--rm", .. Container.Hardened, "-v", _home.DbPath + ":/run/supervise/bot-bottle.db", Container.Image, "--slug", "bottle-a"]);

        Assert.True(run.ExitCode == 9, run.ToString());
        Assert.Contains("bind-mounted on its own", run.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_home.DbPath));
    }

    [Fact]
    public async Task Podman_stop_marks_the_bottle_stopped_and_a_killed_container_shows_stale()
    {
        using (Container stopped = await Container.StartOnBridgeAsync(_home.Mounts, "--slug", "bottle-a"))
        {
            Assert.Equal("running", _home.BottleState("bottle-a"));
            CommandResult stop = Container.Podman("stop", "-t", "10", stopped.Name);
            Assert.True(stop.ExitCode == 0, stop.ToString());
            Assert.Equal("0", Container.Podman("inspect", "--format", "{{.State.ExitCode}}", stopped.Name).Output.Trim());
            Assert.Equal("stopped", _home.BottleState("bottle-a"));
        }

        using Container killed = await Container.StartOnBridgeAsync(_home.Mounts, "--slug", "bottle-b", "--heartbeat", "1");
        Assert.Equal("running", _home.BottleState("bottle-b"));
        Assert.Equal(0, Container.Podman("kill", "--signal", "KILL", killed.Name).ExitCode);
        for (var clock = Stopwatch.StartNew(); _home.BottleState("bottle-b") != "stale"; await Task.Delay(250))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the killed bottle did not show stale within 15 s");
        }
    }

    [Fact]
    public async Task A_container_reaches_the_host_broker_through_a_mounted_socket_directory()
    {
        // VM backends forward the broker's socket into the guest at /run/supervise/bot-bottle.sock;
        // serve finds it there without being told. The database stays on the host.
        string socketDirectory = Path.Combine(_home.Root, "run");
        Directory.CreateDirectory(socketDirectory);
        ContainerHome.Chown(socketDirectory);
        using BrokerProcess broker = await BrokerProcess.StartAsUserAsync(Container.UserId, _home.DbPath, Path.Combine(socketDirectory, "bot-bottle.sock"), ["--socket", Path.Combine(socketDirectory, "bot-bottle.sock"), "--slug", "bottle-a"]);
        using Container sidecar = await Container.StartOnBridgeAsync(["-v", socketDirectory + ":/run/supervise", .. _home.CurrentConfigMount], "--slug", "bottle-a");

        await AssertToolCallIsAnsweredByTheHostAsync(sidecar, "bottle-a");
        Assert.Contains("bot-bottle.sock", sidecar.Logs(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_reaches_the_host_broker_over_tcp_with_the_token()
    {
        // The Docker Desktop recipe (doctor --backend podman-machine): the broker on TCP with a
        // per-bottle token, reached at host.containers.internal, the token file mounted read-only.
        string tokenDirectory = Path.Combine(_home.Root, "token");
        Directory.CreateDirectory(tokenDirectory);
        ContainerHome.Chown(tokenDirectory);
        string token = Path.Combine(tokenDirectory, "bottle-a.token");
        using BrokerProcess broker = await BrokerProcess.StartAsUserAsync(Container.UserId, _home.DbPath, string.Empty, ["--listen", "tcp://0.0.0.0:0", "--token-file", token, "--slug", "bottle-a"]);
        string port = broker.TcpAddress!.Split(':')[^1];
        using Container sidecar = await Container.StartOnBridgeAsync(["-v", token + ":/run/supervise/broker.token:ro", .. _home.CurrentConfigMount], "--slug", "bottle-a", "--broker", $"tcp://host.containers.internal:{port}", "--broker-token-file", "/run/supervise/broker.token");

        await AssertToolCallIsAnsweredByTheHostAsync(sidecar, "bottle-a");
    }

    [Fact]
    public void The_images_version_is_the_published_binarys_and_names_its_commit()
    {
        CommandResult inImage = Container.Podman(["run", "--rm", .. Container.Hardened, "--entrypoint", "/usr/local/bin/bot-bottle-sidecar", Container.Image, "--version"]);
        CommandResult published = SidecarBinary.Run("--version");

        Assert.True(inImage.ExitCode == 0, inImage.ToString());
        Assert.Equal(published.Output, inImage.Output);
        Assert.Matches(@"\+[0-9a-f]{7,40}", inImage.Output);
        Assert.Contains("\"/usr/local/bin/bot-bottle-sidecar\",\"healthcheck\"", Container.Podman("image", "inspect", "--format", "{{json .HealthCheck}}", Container.Image).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_arm64_image_serves_and_passes_its_own_healthcheck_on_its_own_libraries_under_qemu()
    {
        // Without binfmt_misc podman cannot start a foreign container, so its root filesystem is
        // mounted and the entrypoint run by QEMU inside it (-L): the interpreter, glibc, libssl and
        // SQLite are the image's, found where the image put them; the database is the host's.
        string image = Environment.GetEnvironmentVariable("BOTBOTTLE_IMAGE_ARM64") is { Length: > 0 } arm64
            ? arm64
            : throw new InvalidOperationException("BOTBOTTLE_IMAGE_ARM64 is not set: build it with 'bash build/image.sh linux-arm64' and export the name it prints (build/test.sh does both)");
        Assert.Equal("arm64", Container.Podman("image", "inspect", "--format", "{{.Architecture}}", image).Output.Trim());
        CommandResult mount = Container.Podman("image", "mount", image);
        Assert.True(mount.ExitCode == 0, mount.ToString());
        string root = mount.Output.Trim();
        try
        {
            string entrypoint = Path.Combine(root, "usr", "local", "bin", "bot-bottle-sidecar");
            string[] qemu = ["qemu-aarch64-static", "-L", root, entrypoint];
            string published = Path.Combine(Path.GetDirectoryName(SidecarBinary.Published)!, "..", "linux-arm64", "bot-bottle-sidecar");
            Assert.Equal(File.ReadAllBytes(published), File.ReadAllBytes(entrypoint));
            Assert.Equal(File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(published)!, "libe_sqlite3.so")), File.ReadAllBytes(Path.Combine(root, "usr", "local", "bin", "libe_sqlite3.so")));

            // As root: podman's storage, where the image is mounted, is out of other users' reach.
            using var home = new TestHome().Migrated();
            int port = FreePort();
            using Process serve = SidecarBinary.StartExecutable(qemu[0], [.. qemu[1..], "serve", "--db", home.DbPath, "--slug", "bottle-arm64", "--listen", $"127.0.0.1:{port}", "--current-config", home.CurrentConfig]);
            serve.StandardInput.Close();
            Task<string> log = serve.StandardError.ReadToEndAsync();
            try
            {
                CommandResult health = new(1, string.Empty, "not probed");
                for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(60) && !serve.HasExited; await Task.Delay(250))
                {
                    health = SidecarBinary.RunExecutable(qemu[0], null, [.. qemu[1..], "healthcheck", "--url", $"http://127.0.0.1:{port}/healthz"]);
                    if (health.ExitCode == 0)
                    {
                        break;
                    }
                }

                Assert.True(health.ExitCode == 0, health + (serve.HasExited ? await log : string.Empty));
                Assert.Equal("running", (string?)home.HostJson("bottles")["bottles"]![0]!["state"]);

                // Hashing the current file loads the image's libssl (exit 14 if it could not).
                string current = Path.Combine(home.CurrentConfig, "allowlist");
                File.WriteAllText(current, "a.example\n");
                string proposedFile = Path.Combine(home.Root, "proposed");
                File.WriteAllText(proposedFile, "a.example\nb.example\n");
                CommandResult proposed = SidecarBinary.RunExecutable(qemu[0], null, [.. qemu[1..], "--db", home.DbPath, "propose", "--slug", "bottle-arm64", "--tool", "pipelock-block", "--justification", "arm64", "--current", current, "--file", proposedFile, "--json"]);
                Assert.True(proposed.ExitCode == 0, proposed.ToString());
                Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("a.example\n"u8)), (string?)home.HostJson("queue", "show", (string)JsonNode.Parse(proposed.Output)!["proposal_id"]!)["proposal"]!["current_file_hash"]);
            }
            finally
            {
                serve.Kill();
                await serve.WaitForExitAsync();
            }
        }
        finally
        {
            Container.Podman("image", "unmount", image);
        }
    }

    private async Task AssertToolCallIsAnsweredByTheHostAsync(Container sidecar, string slug)
    {
        using var client = new McpHttpClient(sidecar.McpUrl);
        Task<SseTranscript> call = client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", """{"proposed_file":"b.example\n","justification":"through the broker"}"""));
        string id = await _home.WaitForPendingAsync();
        Assert.Equal(slug, (string?)_home.HostJson("queue", "show", id)["proposal"]!["bottle_slug"]);
        Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "host says yes").ExitCode);

        SseTranscript answered = await call.WaitAsync(TimeSpan.FromSeconds(30));
        JsonNode decision = JsonNode.Parse((string)answered.Response["result"]!["content"]![0]!["text"]!)!;
        Assert.Equal(("approved", "host says yes"), ((string?)decision["status"], (string?)decision["notes"]));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>podman runs one container at a time here, after the suites that run in parallel, so its timings are not a crowded machine's.</summary>
[CollectionDefinition(nameof(ContainerTests), DisableParallelization = true)]
public sealed class ContainerTestsRunAlone;
