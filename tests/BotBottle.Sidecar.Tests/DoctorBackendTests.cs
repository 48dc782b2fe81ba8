using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// <c>doctor --backend NAME</c>: the recipe for this host, with its real paths, and the commands it
/// prints run as printed wherever this machine can run them (the broker, and the check from inside
/// through the mount the runtime would make). The README's Backends table says the same flags.
/// </summary>
public sealed class DoctorBackendTests : IDisposable
{
    private const string Slug = "web-app";
    private const string Port = "7123";

    private readonly TestHome _home = new TestHome();

    public void Dispose() => _home.Dispose();

    /// <summary>Per backend, what makes its transport: {home}, {slug} and {port} filled in from this host (README: ~, SLUG, PORT).</summary>
    public static TheoryData<string, string> Transports => new()
    {
        { "docker", "docker run -d --name bb-sidecar-{slug} -p 127.0.0.1:9100:9100 -v {home}/.bot-bottle/db:/run/supervise bot-bottle-sidecar --slug {slug}" },
        { "podman", "podman run -d --name bb-sidecar-{slug} --userns=keep-id -p 127.0.0.1:9100:9100 -v {home}/.bot-bottle/db:/run/supervise bot-bottle-sidecar --slug {slug}" },
        { "docker-desktop", "-v {home}/.bot-bottle/run/{slug}.token:/run/supervise/broker.token:ro bot-bottle-sidecar --slug {slug} --broker tcp://host.docker.internal:{port} --broker-token-file /run/supervise/broker.token" },
        { "orbstack", "-v {home}/.bot-bottle/run/{slug}.token:/run/supervise/broker.token:ro bot-bottle-sidecar --slug {slug} --broker tcp://host.docker.internal:{port} --broker-token-file /run/supervise/broker.token" },
        { "colima", "-v {home}/.bot-bottle/run/{slug}.token:/run/supervise/broker.token:ro bot-bottle-sidecar --slug {slug} --broker tcp://host.docker.internal:{port} --broker-token-file /run/supervise/broker.token" },
        { "podman-machine", "-v {home}/.bot-bottle/run/{slug}.token:/run/supervise/broker.token:ro bot-bottle-sidecar --slug {slug} --broker tcp://host.containers.internal:{port} --broker-token-file /run/supervise/broker.token" },
        { "apple-container", "--user 0:0 -v {home}/.bot-bottle/run/{slug}.sock:/run/supervise/bot-bottle.sock bot-bottle-sidecar --slug {slug}" },
        { "smolvm", "--mount-socket {home}/.bot-bottle/run/{slug}.sock:/run/supervise/bot-bottle.sock" },
    };

    [Theory]
    [MemberData(nameof(Transports))]
    public void The_recipe_is_written_for_this_hosts_paths_and_the_readme_table_gives_the_same_flags(string backend, string transport)
    {
        CommandResult recipe = Doctor(backend);

        Assert.True(recipe.ExitCode == 0, recipe.ToString());
        Assert.Contains(Fill(transport, _home.Root, Slug, Port), recipe.Output, StringComparison.Ordinal);
        Assert.Contains("runtime: ", recipe.Output, StringComparison.Ordinal);

        string readme = File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, "README.md"));
        string row = readme.Split('\n').SingleOrDefault(line => line.StartsWith("| ", StringComparison.Ordinal) && line.Contains($"`--backend {backend}`", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"README's Backends table has no row for --backend {backend}");
        Assert.Contains(Fill(transport, "~", "SLUG", "PORT"), row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tcp_recipes_broker_and_check_from_inside_run_as_printed()
    {
        string recipe = Doctor("docker-desktop").Output;
        string[] broker = Command(recipe, "bot-bottle-sidecar broker ");
        string[] check = Command(recipe, "docker exec ")[4..];
        string tokenFile = Path.Combine(_home.Root, ".bot-bottle", "run", Slug + ".token");

        using BrokerProcess running = await StartPrintedBrokerAsync(broker);

        // Inside the container host.docker.internal is the Mac and the token is mounted; here they are loopback and the file.
        string[] inside = check.Select(a => a.Replace("host.docker.internal", "127.0.0.1", StringComparison.Ordinal).Replace("/run/supervise/broker.token", tokenFile, StringComparison.Ordinal)).ToArray();
        CommandResult doctor = SidecarBinary.Run(inside);

        Assert.True(doctor.ExitCode == 0, doctor.ToString());
        Assert.Contains("tcp://127.0.0.1:" + Port + " answers for bottle " + Slug, doctor.Output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(tokenFile)!));
    }

    [Fact]
    public async Task The_socket_recipes_broker_and_check_from_inside_run_as_printed_through_a_per_file_socket_mount()
    {
        string recipe = Doctor("apple-container").Output;
        string[] broker = Command(recipe, "bot-bottle-sidecar broker ");
        string[] check = Command(recipe, "container exec ")[4..];
        string socketPath = Path.Combine(_home.Root, ".bot-bottle", "run", Slug + ".sock");

        using BrokerProcess running = await StartPrintedBrokerAsync(broker);

        // The VM's view: the socket file mounted on its own at /run/supervise/bot-bottle.sock (-v host.sock:guest.sock).
        CommandResult inside = MountNamespace.Run(
            $"set -e; mount -t tmpfs tmpfs /run; mkdir /run/supervise; touch /run/supervise/bot-bottle.sock; mount --bind '{socketPath}' /run/supervise/bot-bottle.sock; "
            + "\"$BIN\" " + string.Join(' ', check));

        Assert.True(inside.ExitCode == 0, inside.ToString());
        Assert.Contains("/run/supervise/bot-bottle.sock answers for bottle " + Slug, inside.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("container CLI version 1.0.0 (build: release, commit: 1a2b3c4)", 15, "FAIL container 1.0.0 found, and this recipe needs 1.1.0 or later")]
    [InlineData("container CLI version 1.1.0 (build: release, commit: 5d6e7f8)", 0, "container 1.1.0 found (needs 1.1.0 or later)")]
    public void The_runtime_on_path_is_checked_against_the_recipes_minimum_version(string versionOutput, int exitCode, string expected)
    {
        string bin = Path.Combine(_home.Root, "bin");
        Directory.CreateDirectory(bin);
        string fake = Path.Combine(bin, "container");
        File.WriteAllText(fake, $"#!/bin/sh\necho '{versionOutput}'\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        CommandResult recipe = Doctor("apple-container", pathPrefix: bin);

        Assert.True(recipe.ExitCode == exitCode, recipe.ToString());
        Assert.Contains("runtime: " + expected, recipe.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_backend_is_refused_with_the_list_of_names()
    {
        CommandResult result = SidecarBinary.Run("doctor", "--backend", "vmware");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'apple-container'", result.Error, StringComparison.Ordinal);
        Assert.Contains("'docker-desktop'", result.Error, StringComparison.Ordinal);
    }

    private static string Fill(string template, string home, string slug, string port)
        => template.Replace("{home}", home, StringComparison.Ordinal).Replace("{slug}", slug, StringComparison.Ordinal).Replace("{port}", port, StringComparison.Ordinal);

    /// <summary>The printed command line starting with <paramref name="prefix"/>, split into words, its trailing comment dropped.</summary>
    private static string[] Command(string recipe, string prefix)
    {
        string line = recipe.Split('\n').Select(static l => l.Trim()).First(l => l.StartsWith(prefix, StringComparison.Ordinal));
        int comment = line.IndexOf(" #", StringComparison.Ordinal);
        return (comment < 0 ? line : line[..comment]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private CommandResult Doctor(string backend, string? pathPrefix = null)
        => SidecarBinary.RunExecutable("/usr/bin/env", null, ["HOME=" + _home.Root, "PATH=" + (pathPrefix is null ? string.Empty : pathPrefix + ":") + Environment.GetEnvironmentVariable("PATH"), SidecarBinary.Path, "doctor", "--backend", backend, "--slug", Slug, "--port", Port]);

    /// <summary>The broker command the recipe printed, run by the host user whose home is the test's.</summary>
    private Task<BrokerProcess> StartPrintedBrokerAsync(string[] command)
    {
        Assert.Equal(["bot-bottle-sidecar", "broker"], command[..2]);
        return BrokerProcess.StartAsHostUserAsync(_home.Root, command[2..]);
    }
}
