using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// One way in: the same bad proposal through every door — the MCP tool, <c>propose</c>, <c>propose</c>
/// through the host broker, and the C ABI (through the Python binding, as bot-bottle's CLI calls it) —
/// is refused with the same error kind and the same reason, and nothing is written on any of them.
/// </summary>
public sealed class OneWayInTests : IAsyncLifetime
{
    private readonly TestHome _home = new TestHome().Migrated();
    private BrokerProcess _broker = null!;
    private ServeProcess _serve = null!;
    private McpHttpClient _client = null!;

    public static TheoryData<string, string, string, string> BadDrafts => new()
    {
        // tool, proposed file, justification, what every door must say
        { "pipelock-block", "a.example\n", "   ", "justification is empty" },
        { "pipelock-block", "a.example\n", "fine\u001B[2J", "justification holds U+001B" },
        { "pipelock-block", "a.example\u202E\n", "why", "proposed_file holds U+202E" },
        { "pipelock-block", "not a host!\n", "why", "is not a host pattern" },
        { "cred-proxy-block", "[]", "why", "must be a JSON object" },
        { "capability-block", "RUN true\n", "why", "no FROM instruction" },
        { "pipelock-block", "a.example\n", new string('j', (8 * 1024) + 1), "the limit is 8192 bytes" },
        { "pipelock-block", new string('a', 256 * 1024) + ".example\n", "why", "the limit is 262144 bytes" },
    };

    public async Task InitializeAsync()
    {
        _broker = await BrokerProcess.StartAsync(_home);
        _serve = await ServeProcess.StartAsync(_home);
        _client = new McpHttpClient(_serve.McpUrl);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _serve.Dispose();
        _broker.Dispose();
        _home.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(BadDrafts))]
    public async Task A_bad_draft_is_refused_alike_on_every_door_and_nothing_is_written(string tool, string file, string justification, string reason)
    {
        var refusals = new Dictionary<string, (string Kind, string Message)>
        {
            ["mcp"] = await ThroughMcpAsync(tool, file, justification),
            ["propose"] = ThroughPropose(["--db", _home.DbPath], tool, file, justification),
            ["broker"] = ThroughPropose(["--socket", _broker.SocketPath], tool, file, justification),
            ["c abi"] = ThroughPython(tool, file, justification),
        };

        foreach ((string door, (string kind, string message)) in refusals)
        {
            Assert.True(kind == "invalid_argument", $"{door} refused with {kind}: {message}");
            Assert.True(message.Contains(reason, StringComparison.Ordinal), $"{door} said: {message}");
        }

        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    private async Task<(string, string)> ThroughMcpAsync(string tool, string file, string justification)
    {
        string arguments = new JsonObject { ["proposed_file"] = file, ["justification"] = justification, ["wait"] = false }.ToJsonString();
        JsonNode result = (await _client.CallAsync(McpHttpClient.ToolCall(1, tool, arguments))).Response["result"]!;
        string text = (string)result["content"]![0]!["text"]!;
        return (bool)result["isError"]! ? (text.Split(':')[0], text) : ("accepted", text);
    }

    private static (string, string) ThroughPropose(string[] queue, string tool, string file, string justification)
    {
        CommandResult result = SidecarBinary.RunWithInput(file, ["propose", .. queue, "--slug", "bottle-a", "--tool", tool, "--justification", justification, "--file", "-"]);
        return (result.ExitCode == 2 ? "invalid_argument" : $"exit {result.ExitCode}", result.Error);
    }

    private (string, string) ThroughPython(string tool, string file, string justification)
    {
        string dist = Environment.GetEnvironmentVariable("BOTBOTTLE_DIST") is { Length: > 0 } fromEnvironment ? fromEnvironment : Path.Combine(SidecarBinary.RepoRoot, "dist", "linux-x64");
        var start = new ProcessStartInfo("python3", ["-c", """
            import json, sys, botbottle
            draft = json.load(sys.stdin)
            with botbottle.Store(sys.argv[1]) as store:
                try:
                    store.write_proposal(botbottle.Proposal("bottle-a", draft["tool"], draft["file"], draft["justification"]))
                    print("accepted")
                except botbottle.InvalidArgument as error:
                    print("invalid_argument"); print(error)
                except botbottle.BotBottleError as error:
                    print(f"code {error.code}"); print(error)
            """, _home.DbPath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PYTHONPATH"] = dist;
        using Process python = Process.Start(start)!;
        python.StandardInput.Write(new JsonObject { ["tool"] = tool, ["file"] = file, ["justification"] = justification }.ToJsonString());
        python.StandardInput.Close();
        string output = python.StandardOutput.ReadToEnd();
        string error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        string[] lines = output.Split('\n', 2);
        return (lines[0].Trim(), lines.Length > 1 ? lines[1] : error);
    }
}
