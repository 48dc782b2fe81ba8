using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The README's client recipes, run from the README's own text against the published serve: the
/// TypeScript SDK's, MCP Inspector's CLI and mcp-remote's (installed from npm with the Node 22 they
/// need, in mcp-client/). Only the address is replaced, with the test server's.
/// </summary>
public sealed class ClientRecipeTests : IDisposable
{
    private const string ReadmeAddress = "http://127.0.0.1:9100/mcp";


    private readonly TestHome _home = new TestHome().Migrated();

    /// <summary>mcp-remote's log (stderr), read as it comes so the relay never blocks on it.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _relayLog = new();

    /// <summary>
    /// Where a recipe runs: inside mcp-client/, so that npx and node find the packages installed there
    /// (npx looks for them in the project around its working directory, and would download otherwise).
    /// </summary>
    private readonly string _directory = Path.Combine(SidecarBinary.NodeClients, ".recipe-" + Guid.NewGuid().ToString("N"));

    public ClientRecipeTests()
    {
        Assert.True(File.Exists(Path.Combine(SidecarBinary.NodeClients, "node_modules", ".bin", "mcp-remote")), "run 'npm ci' in tests/BotBottle.Sidecar.Tests/mcp-client (build/test.sh does)");
        Directory.CreateDirectory(_directory);
    }

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        _home.Dispose();
    }

    /// <summary>The fenced block after <c>&lt;!-- recipe: NAME --&gt;</c> in README.md.</summary>
    internal static string Recipe(string name)
    {
        string readme = File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, "README.md"));
        string marker = $"<!-- recipe: {name} -->\n```";
        int at = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README.md has no {marker.Replace("\n", "\\n", StringComparison.Ordinal)}");
        int start = readme.IndexOf('\n', at + marker.Length) + 1;
        int end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        return readme[start..(end + 1)];
    }

    [Fact]
    public async Task The_typescript_sdk_recipe_waits_past_the_sdks_60_second_timeout_for_the_operator()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        string script = Path.Combine(_directory, "supervise-call.mjs");
        await File.WriteAllTextAsync(script, Recipe("typescript-sdk"));
        using Process node = Start("node", [script], ("SUPERVISE_URL", serve.McpUrl.ToString()));
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> error = node.StandardError.ReadToEndAsync();

        // The operator answers after the SDK's default request timeout (60 s) has passed.
        string id = await _home.WaitForPendingAsync();
        await Task.Delay(TimeSpan.FromSeconds(62));
        if (node.HasExited)
        {
            // Read only once it has exited: the stream ends with the process.
            Assert.Fail("the recipe's call ended before the operator answered: " + await error);
        }

        Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "after a minute").ExitCode);

        Assert.True(node.WaitForExit(TimeSpan.FromSeconds(30 * SidecarBinary.Patience)), "the recipe did not finish");
        Assert.True(node.ExitCode == 0, await error);
        JsonNode result = JsonNode.Parse(await output)!;
        Assert.Equal(("approved", "after a minute", id), ((string?)result["status"], (string?)result["notes"], (string?)result["proposal_id"]));
    }

    [Fact]
    public async Task The_inspector_recipe_lists_the_tools_and_queues_a_routes_file_byte_for_byte()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        const string Routes = "{\n  \"routes\": [{ \"host\": \"registry.example\", \"header\": \"Authorization\" }]\n}\n";
        await File.WriteAllTextAsync(Path.Combine(_directory, "routes.json"), Routes);

        string[] commands = Commands(Recipe("inspector")).Select(c => c.Replace(ReadmeAddress, serve.McpUrl.ToString(), StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, commands.Length);
        JsonNode listed = await RunAsync(commands[0]);
        Assert.Equal(4, listed["tools"]!.AsArray().Count);

        JsonNode called = await RunAsync(commands[1]);
        Assert.False((bool?)called["isError"] == true, called.ToJsonString());
        string id = (string)called["structuredContent"]!["proposal_id"]!;
        Assert.Equal("pending", (string?)called["structuredContent"]!["status"]);
        Assert.Equal([id], _home.PendingIds());
        JsonNode shown = _home.HostJson("queue", "show", id, "--json");
        Assert.Equal(("cred-proxy-block", Routes), ((string?)shown["proposal"]!["tool"], (string?)shown["proposal"]!["proposed_file"]));
    }

    [Fact]
    public async Task The_mcp_remote_recipe_relays_a_blocking_call_with_its_progress_to_the_operators_answer()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        using Process relay = StartMcpRemote(serve, []);
        try
        {
            await SendAsync(relay, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"stdio-client","version":"1"}}}""");
            Assert.Equal("bot-bottle-supervise", (string?)(await ResponseAsync(relay, 1, []))["result"]!["serverInfo"]!["name"]);
            await SendAsync(relay, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            await SendAsync(relay, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"pipelock-block","arguments":{"proposed_file":"relayed.example\n","justification":"through mcp-remote"},"_meta":{"progressToken":"p"}}}""");

            string id = await _home.WaitForPendingAsync();
            await Task.Delay(700);
            Assert.Equal(0, _home.Host("queue", "reject", id, "--notes", "not through a relay").ExitCode);

            var notifications = new List<JsonNode>();
            JsonNode answer = await ResponseAsync(relay, 2, notifications);
            Assert.Equal(("rejected", "not through a relay"), ((string?)answer["result"]!["structuredContent"]!["status"], (string?)answer["result"]!["structuredContent"]!["notes"]));
            Assert.Contains(notifications, static n => (string?)n["method"] == "notifications/progress" && (string?)n["params"]!["progressToken"] == "p");
        }
        finally
        {
            relay.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task The_mcp_remote_recipe_with_a_header_file_reaches_a_sidecar_that_requires_a_token()
    {
        string token = Path.Combine(_home.Root, "token");
        await File.WriteAllTextAsync(token, "relay-token-1\n");
        string headers = Path.Combine(_directory, "supervise.headers");
        await File.WriteAllTextAsync(headers, "Authorization: Bearer relay-token-1\n");
        using ServeProcess serve = await ServeProcess.StartAsync(_home, "bottle-a", "--token-file", token);
        using Process relay = StartMcpRemote(serve, ["--header-file", headers]);
        try
        {
            await SendAsync(relay, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"stdio-client","version":"1"}}}""");
            await ResponseAsync(relay, 1, []);
            await SendAsync(relay, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
            Assert.Equal(4, (await ResponseAsync(relay, 2, []))["result"]!["tools"]!.AsArray().Count);
        }
        finally
        {
            relay.Kill(entireProcessTree: true);
        }
    }

    /// <summary>A shell block's commands: continuation lines joined, comments left out.</summary>
    private static IEnumerable<string> Commands(string block)
    {
        string command = string.Empty;
        foreach (string line in block.Split('\n'))
        {
            if (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)
            {
                continue;
            }

            command += line.EndsWith('\\') ? line[..^1] : line;
            if (!line.EndsWith('\\'))
            {
                yield return command;
                command = string.Empty;
            }
        }
    }

    private async Task<JsonNode> RunAsync(string command)
    {
        using Process shell = Start("bash", ["-c", command]);
        Task<string> output = shell.StandardOutput.ReadToEndAsync();
        Task<string> error = shell.StandardError.ReadToEndAsync();
        Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(60 * SidecarBinary.Patience)), "did not finish: " + command);
        Assert.True(shell.ExitCode == 0, $"{command}\n{await error}\n{await output}");
        return JsonNode.Parse(await output)!;
    }

    private Process StartMcpRemote(ServeProcess serve, string[] extra)
    {
        JsonNode server = JsonNode.Parse(Recipe("mcp-remote"))!["mcpServers"]!["supervise"]!;
        string[] arguments = [.. server["args"]!.AsArray().Select(a => ((string)a!).Replace(ReadmeAddress, serve.McpUrl.ToString(), StringComparison.Ordinal)), .. extra];
        Process relay = Start((string)server["command"]!, arguments);
        relay.ErrorDataReceived += (_, line) => _relayLog.Enqueue(line.Data ?? string.Empty);
        relay.BeginErrorReadLine();
        return relay;
    }

    /// <summary>Starts a program in the recipe directory with npm's Node 22 first on PATH, as the recipes need.</summary>
    private Process Start(string program, string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = _directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = Path.Combine(SidecarBinary.NodeClients, "node_modules", ".bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["npm_config_offline"] = "true";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    private static async Task SendAsync(Process relay, string message)
    {
        await relay.StandardInput.WriteLineAsync(message);
        await relay.StandardInput.FlushAsync();
    }

    /// <summary>Reads the relay's messages until the response with <paramref name="id"/>, keeping the notifications before it.</summary>
    private async Task<JsonNode> ResponseAsync(Process relay, int id, List<JsonNode> notifications)
    {
        while (true)
        {
            string? line = await relay.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60 * SidecarBinary.Patience));
            Assert.True(line is not null, "mcp-remote ended: " + string.Join('\n', _relayLog));
            JsonNode message = JsonNode.Parse(line)!;
            if ((int?)message["id"] == id)
            {
                return message;
            }

            notifications.Add(message);
        }
    }
}
