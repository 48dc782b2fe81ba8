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

    /// <summary>Decisions: status, notes and final file (or null).</summary>
    public static TheoryData<string, string, string?> Decisions => new()
    {
        { "approved", "ok", null },
        { "modified", "narrowed to one host", "b.example\n" },
        { "rejected", "no: use the mirror", null },
    };

    /// <summary>Bad decisions the CLI can express, and what every door must say.</summary>
    public static TheoryData<string, string, string?, string> BadDecisions => new()
    {
        { "rejected", "  ", null, "A rejection needs notes" },
        { "modified", "why", "b.example\u001B[2J\n", "final_file holds U+001B (ESC" },
        { "modified", "why", "b.example\u202E\n", "final_file holds U+202E (right-to-left override)" },
        { "modified", "why", "not a host!\n", "is not a host pattern" },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void The_same_decision_on_every_door_leaves_the_same_response_and_audit_entry(string status, string notes, string? finalFile)
    {
        var audited = new Dictionary<string, string>();
        foreach ((string door, string slug) in DecisionDoors.Zip(["bottle-cli", "bottle-decide", "bottle-write"]))
        {
            string id = ProposeForDecision(slug);
            (string outcome, string message) = Decide(door, id, status, notes, finalFile);
            Assert.True(outcome == "ok", $"{door}: {outcome}: {message}");

            JsonNode response = _home.HostJson("queue", "show", id)["response"]!;
            Assert.Equal(status, (string?)response["status"]);
            Assert.Equal(notes, (string?)response["notes"]);
            Assert.Equal(finalFile, (string?)response["final_file"]);

            // The entry as a whole, bottle and id and time and hashes aside.
            JsonNode entry = _home.HostJson("audit", "list").AsArray().Single(e => (string?)e!["bottle_slug"] == slug)!;
            audited[door] = string.Join("\n", entry["component"], entry["operator_action"], entry["operator_notes"], entry["justification"], entry["diff"]);
        }

        Assert.Single(audited.Values.Distinct());
        Assert.Equal(0, _home.Host("audit", "verify").ExitCode);
    }

    [Theory]
    [MemberData(nameof(BadDecisions))]
    public void A_bad_decision_is_refused_alike_on_every_door_and_nothing_is_written(string status, string notes, string? finalFile, string reason)
    {
        string id = ProposeForDecision("bottle-a");
        foreach (string door in DecisionDoors)
        {
            (string outcome, string message) = Decide(door, id, status, notes, finalFile);
            Assert.True(outcome == "invalid_argument", $"{door} answered {outcome}: {message}");
            Assert.True(message.Contains(reason, StringComparison.Ordinal), $"{door} said: {message}");
        }

        Assert.Equal(0, _home.Count("supervise_responses"));
        Assert.Equal(0, _home.Count("supervise_audit_entries"));
    }

    /// <summary>The CLI, and a host process through the C ABI: bb_decide (Python's decide) and bb_write_response.</summary>
    private static readonly string[] DecisionDoors = ["cli", "bb_decide (python)", "bb_write_response (python)"];

    private string ProposeForDecision(string slug)
    {
        CommandResult proposed = SidecarBinary.RunWithInput("a.example\n", ["propose", "--db", _home.DbPath, "--slug", slug, "--tool", "pipelock-block", "--justification", "needs a.example", "--file", "-"]);
        Assert.True(proposed.ExitCode == 0, proposed.ToString());
        return proposed.Output.Trim();
    }

    private (string Outcome, string Message) Decide(string door, string id, string status, string notes, string? finalFile)
    {
        if (door == "cli")
        {
            string verb = status switch { "approved" => "approve", "modified" => "modify", _ => "reject" };
            string[] args = ["--db", _home.DbPath, "queue", verb, id, "--notes", notes, .. finalFile is null ? Array.Empty<string>() : ["--final-file", "-"]];
            CommandResult result = SidecarBinary.RunWithInput(finalFile ?? string.Empty, args);
            return (result.ExitCode switch { 0 => "ok", 2 => "invalid_argument", int code => $"exit {code}" }, result.Error);
        }

        string call = door.StartsWith("bb_decide", StringComparison.Ordinal)
            ? "store.decide(d['id'], d['status'], d['notes'], d['final_file'])"
            : "store.write_response(botbottle.Response(d['id'], d['status'], d['notes'], d['final_file']))";
        return RunPython(
            "import json, sys, botbottle\n"
            + "d = json.load(sys.stdin)\n"
            + "with botbottle.Store(sys.argv[1]) as store:\n"
            + "    try:\n"
            + $"        {call}\n"
            + "        print('ok')\n"
            + "    except botbottle.InvalidArgument as error:\n"
            + "        print('invalid_argument'); print(error)\n"
            + "    except botbottle.BotBottleError as error:\n"
            + "        print(f'code {error.code}'); print(error)\n",
            new JsonObject { ["id"] = id, ["status"] = status, ["notes"] = notes, ["final_file"] = finalFile }.ToJsonString());
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

    private (string, string) ThroughPython(string tool, string file, string justification) => RunPython(
        """
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
        """,
        new JsonObject { ["tool"] = tool, ["file"] = file, ["justification"] = justification }.ToJsonString());

    /// <summary>Runs <paramref name="script"/> with the published botbottle.py, the database as argv[1] and <paramref name="input"/> on stdin; returns its first line and the rest.</summary>
    private (string, string) RunPython(string script, string input)
    {
        string dist = Environment.GetEnvironmentVariable("BOTBOTTLE_DIST") is { Length: > 0 } fromEnvironment ? fromEnvironment : Path.Combine(SidecarBinary.RepoRoot, "dist", "linux-x64");
        var start = new ProcessStartInfo("python3", ["-c", script, _home.DbPath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PYTHONPATH"] = dist;
        using Process python = Process.Start(start)!;
        python.StandardInput.Write(input);
        python.StandardInput.Close();
        string output = python.StandardOutput.ReadToEnd();
        string error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        string[] lines = output.Split('\n', 2);
        return (lines[0].Trim(), lines.Length > 1 ? lines[1] : error);
    }
}
