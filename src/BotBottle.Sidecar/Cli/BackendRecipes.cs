using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using BotBottle.Storage;

namespace BotBottle.Sidecar.Cli;

/// <summary>The values a recipe is written for: this host's paths, the bottle, and the broker's TCP port.</summary>
internal sealed record RecipeContext(HostPaths Paths, string Slug, int Port)
{
    public string Container => "bb-sidecar-" + Slug;

    public string Socket => Shell.Quote(Paths.BrokerSocket(Slug));

    public string Token => Shell.Quote(Paths.BrokerTokenFile(Slug));

    public string TcpBroker(string hostName) => $"tcp://{hostName}:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// How the sidecar of one container or VM runtime reaches the queue: through the database directory
/// (the sidecar shares the host's kernel), the broker's socket relayed into the VM, or the broker's
/// TCP port with its token. <c>doctor --backend NAME</c> prints it for this host; the README's
/// Backends table says the same.
/// </summary>
internal sealed record BackendRecipe(
    string Name,
    string Runtime,
    string Transport,
    string Minimum,
    string TestedHere,
    string[] VersionCommand,
    Version? MinimumVersion,
    Func<RecipeContext, string[]> OnTheHost,
    Func<RecipeContext, string[]> Sidecar,
    Func<RecipeContext, string> CheckFromInside,
    string[] Notes);

internal static partial class BackendRecipes
{
    private const string Image = "bot-bottle-sidecar";

    private const string McpPort = "-p 127.0.0.1:9100:9100";

    private const string TokenInSidecar = "/run/supervise/broker.token";

    /// <summary>Tested here: everything on our side of the runtime, across processes on the published binary.</summary>
    private const string TcpTested = "the TCP broker, its token and a half-closing, fragmenting relay in front of it (BrokerTcpTests, BrokerRelayTests, the end-to-end suite on every route); the runtime itself on paper";

    private const string SocketTested = "the broker's socket through a half-closing, fragmenting Unix relay (BrokerRelayTests, the end-to-end suite on every route); the runtime itself on paper";

    public static IReadOnlyList<BackendRecipe> All { get; } =
    [
        MountRecipe("docker", "Docker on Linux", "docker", string.Empty, "Docker Engine 20.10", "the image under podman 4.3 (root, runc) with these mounts and the host user's UID, read-only, no capabilities, bridge and host networks (ContainerTests); the mount layout built with unshare -m (MountLayoutTests); docker itself on paper", [
            "Mount the directory, never the database file: SQLite names its -wal and -shm after the path it opened.",
            "Build the image with --build-arg UID=$(id -u) --build-arg GID=$(id -g): host and sidecar both write the -wal and -shm files.",
        ]),
        MountRecipe("podman", "Podman on Linux (rootless)", "podman", "--userns=keep-id ", "Podman 4.0", "the image under podman as root with these mounts (ContainerTests); rootless podman and --userns=keep-id on paper", [
            "--userns=keep-id runs the sidecar as your own UID, so host and sidecar can both write the -wal and -shm files.",
            "On an SELinux host add :z to the mount (shared label), not :Z, which would hide the directory from other sidecars.",
        ]),
        TcpRecipe("docker-desktop", "Docker Desktop on macOS", "docker", "host.docker.internal", "Docker Desktop 4.0", ["docker", "--version"], [
            "Docker Desktop does not share Unix sockets with containers (docker/for-mac#483, closed as won't fix), and its file sharing is virtiofs, where the database must not be opened: TCP it is.",
        ]),
        TcpRecipe("orbstack", "OrbStack", "docker", "host.docker.internal", "OrbStack 1.0", ["orb", "version"], [
            "OrbStack forwards host.docker.internal (also host.orb.internal) to the Mac's loopback, where the broker listens.",
        ]),
        TcpRecipe("colima", "Colima", "docker", "host.docker.internal", "Colima 0.4", ["colima", "version"], [
            "Colima resolves host.docker.internal to the Mac (192.168.5.2). Do not add --add-host host.docker.internal:host-gateway: on Colima that names the VM, not the Mac (abiosoft/colima#277).",
        ]),
        TcpRecipe("podman-machine", "Podman machine on macOS", "podman", "host.containers.internal", "Podman 4.0", ["podman", "--version"], [
            "gvproxy resolves host.containers.internal to the Mac's loopback, where the broker listens.",
        ]),
        SocketRecipe(
            "apple-container",
            "Apple container on macOS",
            "the broker's Unix socket, mounted as a file (relayed over vsock)",
            new Version(1, 1, 0),
            ["container", "--version"],
            "(a terminal, or a launchd agent)",
            static c => [$"container run -d --name {c.Container} {McpPort} --user 0:0 -v {c.Socket}:{HostPaths.BrokerSocketInContainer} {Image} --slug {c.Slug}"],
            static c => $"container exec {c.Container} bot-bottle-sidecar doctor --sidecar --slug {c.Slug}",
            [
                "Mount the socket file itself: a socket inside a mounted directory gives ENOTSUP, and --mount refuses a socket. Versions before 1.1.0 refuse the connection.",
                "Inside the VM the relayed socket is root's, with the host socket's mode (0600): the sidecar runs as root in its own VM (--user 0:0), which holds nothing else.",
            ]),
        SocketRecipe(
            "smolvm",
            "smolvm (smolmachines)",
            "the broker's Unix socket, --mount-socket (relayed over vsock)",
            new Version(1, 7, 0),
            ["smolvm", "--version"],
            "(a terminal, or a launchd/systemd user unit)",
            static c =>
            [
                $"smolvm machine create --name {c.Container} --image {Image} --mount-socket {c.Socket}:{HostPaths.BrokerSocketInContainer} -p 9100:9100 -- bot-bottle-sidecar serve --slug {c.Slug}",
                $"smolvm machine start --name {c.Container}",
            ],
            static c => $"smolvm machine exec --name {c.Container} -- bot-bottle-sidecar doctor --sidecar --slug {c.Slug}",
            [
                "--mount-socket belongs to machine create; machine run does not take it in the releases checked (smol-machines/smolvm#1245 adds it).",
                "The command after -- is written to replace the image's entrypoint; if your smolvm appends it to the entrypoint instead, leave out 'bot-bottle-sidecar serve' and keep the flags.",
                "Keep the guest path outside any --volume: older releases let VMs sharing a volume take each other's socket (smol-machines/smolvm#864).",
            ]),
    ];

    public static IEnumerable<string> Names => All.Select(static r => r.Name);

    public static BackendRecipe? Find(string name) => All.FirstOrDefault(r => r.Name == name);

    /// <summary>Writes the recipe; returns false when the runtime is on PATH and older than the recipe needs.</summary>
    public static bool Write(BackendRecipe recipe, RecipeContext context, System.IO.TextWriter output)
    {
        output.WriteLine($"{recipe.Runtime}: {recipe.Transport}");
        output.WriteLine($"needs:  {recipe.Minimum} or later");
        output.WriteLine($"tested: {recipe.TestedHere}");
        output.WriteLine();
        output.WriteLine("On the host:");
        foreach (string line in recipe.OnTheHost(context))
        {
            output.WriteLine("  " + line);
        }

        output.WriteLine();
        output.WriteLine($"The sidecar (image {Image}; its entrypoint is bot-bottle-sidecar serve):");
        foreach (string line in recipe.Sidecar(context))
        {
            output.WriteLine("  " + line);
        }

        output.WriteLine();
        output.WriteLine("Check the path from inside (connect, authenticate, the broker serves this bottle, round trip):");
        output.WriteLine("  " + recipe.CheckFromInside(context));
        output.WriteLine();
        foreach (string note in recipe.Notes)
        {
            output.WriteLine("- " + note);
        }

        (bool ok, string runtime) = CheckRuntime(recipe);
        output.WriteLine();
        output.WriteLine("runtime: " + runtime);
        return ok;
    }

    /// <summary>The runtime's CLI on this host, if any, and whether it is new enough. Not finding it is not a failure: the recipe may be for another machine.</summary>
    private static (bool Ok, string Line) CheckRuntime(BackendRecipe recipe)
    {
        string command = recipe.VersionCommand[0];
        string? text = RunForVersion(recipe.VersionCommand);
        if (text is null)
        {
            return (true, $"{command} is not on this host's PATH; run the commands above where it is.");
        }

        Match number = VersionNumber().Match(text);
        string found = number.Success ? number.Value : text.Trim();
        if (recipe.MinimumVersion is null || !number.Success)
        {
            return (true, $"{command} {found} found.");
        }

        Version version = Version.Parse(number.Value.Count(static ch => ch == '.') == 1 ? number.Value + ".0" : number.Value);
        return version >= recipe.MinimumVersion
            ? (true, $"{command} {found} found (needs {recipe.MinimumVersion} or later).")
            : (false, $"FAIL {command} {found} found, and this recipe needs {recipe.MinimumVersion} or later: upgrade it first.");
    }

    private static string? RunForVersion(string[] command)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            System.Threading.Tasks.Task<string> output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.Result : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The sidecar shares the host's kernel: it opens the database through a mount of its directory.</summary>
    private static BackendRecipe MountRecipe(string name, string runtime, string cli, string runFlags, string minimum, string tested, string[] notes) => new(
        name,
        runtime,
        "the database directory, bind-mounted (no broker)",
        minimum,
        tested,
        [cli, "--version"],
        null,
        static c => [$"bot-bottle-sidecar db migrate    # creates {Shell.Quote(c.Paths.DbDirectory)} (0700) and the database (0600)"],
        c => [$"{cli} run -d --name {c.Container} {runFlags}{McpPort} -v {Shell.Quote(c.Paths.DbDirectory)}:/run/supervise {Image} --slug {c.Slug}"],
        c => $"{cli} exec {c.Container} bot-bottle-sidecar doctor --sidecar",
        notes);

    /// <summary>The runtime relays the broker's socket into the VM, where the sidecar finds it at its default path.</summary>
    private static BackendRecipe SocketRecipe(string name, string runtime, string transport, Version minimum, string[] versionCommand, string keepRunning, Func<RecipeContext, string[]> sidecar, Func<RecipeContext, string> check, string[] notes) => new(
        name,
        runtime,
        transport,
        $"{versionCommand[0]} {minimum}",
        SocketTested,
        versionCommand,
        minimum,
        c => [$"bot-bottle-sidecar broker --socket {c.Socket} --slug {c.Slug}    # keep it running {keepRunning}"],
        sidecar,
        check,
        notes);

    /// <summary>The runtime reaches the host only over TCP: the broker listens on loopback with the bottle's token.</summary>
    private static BackendRecipe TcpRecipe(string name, string runtime, string cli, string hostName, string minimum, string[] versionCommand, string[] notes) => new(
        name,
        runtime,
        $"the broker on TCP with a per-bottle token, reached at {hostName}",
        minimum,
        TcpTested,
        versionCommand,
        null,
        static c => [$"bot-bottle-sidecar broker --listen {c.TcpBroker("127.0.0.1")} --token-file {c.Token} --slug {c.Slug}    # keep it running; creates the token (0600) if missing"],
        c => [$"{cli} run -d --name {c.Container} {McpPort} -v {c.Token}:{TokenInSidecar}:ro {Image} --slug {c.Slug} --broker {c.TcpBroker(hostName)} --broker-token-file {TokenInSidecar}"],
        c => $"{cli} exec {c.Container} bot-bottle-sidecar doctor --sidecar --broker {c.TcpBroker(hostName)} --broker-token-file {TokenInSidecar} --slug {c.Slug}",
        [
            .. notes,
            "The token is the bottle's key: mount it into the sidecar only, never into the agent's container. One broker, token and port per bottle (--port picks the port here).",
            $"The broker listens on loopback only; the runtime carries {hostName} to it.",
        ]);

    [GeneratedRegex(@"\d+\.\d+(\.\d+)?")]
    private static partial Regex VersionNumber();
}

/// <summary>Quoting for the commands doctor prints, so a path with a space still pastes into a shell.</summary>
internal static class Shell
{
    public static string Quote(string text)
        => text.All(static ch => char.IsAsciiLetterOrDigit(ch) || ch is '/' or '.' or '_' or '-' or ':' or '=' or '@' or '+' or ',')
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
