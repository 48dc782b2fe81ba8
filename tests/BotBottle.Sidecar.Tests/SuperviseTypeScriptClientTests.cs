using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>The official TypeScript MCP client (@modelcontextprotocol/sdk) against the published serve.</summary>
public sealed class SuperviseTypeScriptClientTests
{
    private static readonly string ClientDirectory = Path.Combine(SidecarBinary.RepoRoot, "tests", "BotBottle.Sidecar.Tests", "mcp-client");

    [Theory]
    [MemberData(nameof(QueueRoute.AllModes), MemberType = typeof(QueueRoute))]
    public async Task TypeScript_client_lists_tools_and_receives_the_operators_approval_with_progress(QueueMode mode)
    {
        Assert.True(Directory.Exists(Path.Combine(ClientDirectory, "node_modules", "@modelcontextprotocol", "sdk")), "run 'npm ci' in tests/BotBottle.Sidecar.Tests/mcp-client (build/test.sh does)");
        using var home = new TestHome().Migrated();
        using QueueRoute route = await QueueRoute.StartAsync(home, mode);
        using ServeProcess serve = await ServeProcess.StartWithQueueAsync(home, route.Args);
        var start = new ProcessStartInfo("node", [Path.Combine(ClientDirectory, "client.mjs"), serve.McpUrl.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ClientDirectory,
        };
        using Process node = Process.Start(start)!;
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> error = node.StandardError.ReadToEndAsync();

        string id = await home.WaitForPendingAsync();
        await Task.Delay(700);
        Assert.Equal(0, home.Host("queue", "approve", id, "--notes", "registry allowed").ExitCode);

        Assert.True(node.WaitForExit(TimeSpan.FromSeconds(60)), "node client did not finish");
        Assert.True(node.ExitCode == 0, await error);
        JsonNode[] steps = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => JsonNode.Parse(l)!).ToArray();
        JsonNode tools = steps.Single(static s => (string?)s["step"] == "tools");
        JsonNode result = steps.Single(static s => (string?)s["step"] == "result");
        Assert.Equal(4, tools["names"]!.AsArray().Count);
        Assert.Equal(4, (int)tools["withOutputSchema"]!);
        Assert.Equal("approved", (string)result["structured"]!["status"]!);
        Assert.Equal("registry allowed", (string)result["structured"]!["notes"]!);
        Assert.Equal(id, (string)result["structured"]!["proposal_id"]!);
        Assert.True((int)result["progress"]! >= 2, "progress notifications reached the client's onprogress");
        Assert.False((bool)result["isError"]!);
    }
}
