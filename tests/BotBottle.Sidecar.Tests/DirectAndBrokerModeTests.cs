using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The same sidecar scenario run on the database file, through a host broker, and through the
/// broker behind the kinds of relay VM runtimes put in between (Unix to Unix as Apple container and
/// smolvm do, Unix to the broker's TCP port with its token): every exit code, output, error message
/// and wait must come out the same.
/// </summary>
public sealed partial class DirectAndBrokerModeTests
{
    private const string Justification = "leak scan false positive";

    /// <summary>Quotes inside tool text stay quotes, so an id is never glued to an escape's hex digits.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Theory]
    [MemberData(nameof(QueueRoute.BrokerModes), MemberType = typeof(QueueRoute))]
    public async Task Propose_gives_the_same_results_errors_and_waits_as_on_the_database(QueueMode mode)
    {
        string direct = await RunInModeAsync(QueueMode.Direct, ProposeScenarioAsync);
        string brokered = await RunInModeAsync(mode, ProposeScenarioAsync);

        Assert.Equal(direct, brokered);
        Assert.Contains("wait timeout: exit 11", direct, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"approved\"", direct, StringComparison.Ordinal);
        Assert.Contains("wait rejected: exit 10", direct, StringComparison.Ordinal);
        Assert.Contains("justification is", direct, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(QueueRoute.BrokerModes), MemberType = typeof(QueueRoute))]
    public async Task Serve_gives_the_same_tool_results_and_errors_as_on_the_database(QueueMode mode)
    {
        string direct = await RunInModeAsync(QueueMode.Direct, ServeScenarioAsync);
        string brokered = await RunInModeAsync(mode, ServeScenarioAsync);

        Assert.Equal(direct, brokered);
        Assert.Contains("\"status\":\"modified\"", direct, StringComparison.Ordinal);
        Assert.Contains("No proposal <id1> for this bottle", direct, StringComparison.Ordinal);
        Assert.Contains("healthz: 200", direct, StringComparison.Ordinal);
    }

    private static async Task<string> RunInModeAsync(QueueMode mode, Func<TestHome, string[], Transcript, Task> scenario)
    {
        using TestHome home = new TestHome().Migrated();
        using QueueRoute route = await QueueRoute.StartAsync(home, mode);
        var transcript = new Transcript(home.Root);
        await scenario(home, route.Args, transcript);
        route.AssertRelayReachedTheBroker();
        return transcript.ToString();
    }

    private static async Task ProposeScenarioAsync(TestHome home, string[] queueArgs, Transcript transcript)
    {
        CommandResult Propose(params string[] extra) => SidecarBinary.Run(["propose", .. queueArgs, "--slug", "bottle-a", "--tool", "git-gate", "--justification", Justification, .. extra]);

        CommandResult created = transcript.Add("new", Propose("--json"));
        string id = (string)JsonNode.Parse(created.Output)!["proposal_id"]!;
        transcript.Add("retry joins", Propose("--json"));
        transcript.Add("bad tool file", SidecarBinary.RunWithInput("not a host pattern!\n", ["propose", .. queueArgs, "--slug", "bottle-a", "--tool", "pipelock-block", "--justification", "j", "--file", "-"]));
        transcript.Add("justification too long", SidecarBinary.Run(["propose", .. queueArgs, "--slug", "bottle-a", "--tool", "git-gate", "--justification", new string('x', 70_000)]));
        transcript.Add("tool name invalid", SidecarBinary.Run(["propose", .. queueArgs, "--slug", "bottle-a", "--tool", "git gate!", "--justification", "j"]));
        transcript.Add("wait timeout", Propose("--wait", "--timeout", "0.2"));
        transcript.Add("approve", home.Host("queue", "approve", id, "--notes", "fine"));
        transcript.Add("wait answered", Propose("--wait"));

        // Archived now: the same proposal again is a new one.
        CommandResult second = transcript.Add("after archive", Propose("--json"));
        string secondId = (string)JsonNode.Parse(second.Output)!["proposal_id"]!;
        Task<CommandResult> waiting = Task.Run(() => Propose("--wait", "--timeout", "30"));
        await Task.Delay(300);
        transcript.Add("reject", home.Host("queue", "reject", secondId, "--notes", "no"));
        transcript.Add("wait rejected", await waiting);
        transcript.Add("pending", home.Host("queue", "pending", "--json"));
        transcript.Add("audit", home.Host("audit", "list", "--json"));
        transcript.Add("verify", home.Host("audit", "verify"));
    }

    private static async Task ServeScenarioAsync(TestHome home, string[] queueArgs, Transcript transcript)
    {
        await System.IO.File.WriteAllTextAsync(System.IO.Path.Combine(home.CurrentConfig, "allowlist"), "a.example.com\n");

        // Another bottle's proposal, written on the host: invisible to bottle-a's agent in both modes.
        CommandResult other = SidecarBinary.Run("--db", home.DbPath, "propose", "--slug", "bottle-b", "--tool", "git-gate", "--justification", "other bottle");
        Assert.Equal(0, other.ExitCode);
        transcript.Name(other.Output.Trim());

        using ServeProcess serve = await ServeProcess.StartWithQueueAsync(home, queueArgs);
        using var client = new McpHttpClient(serve.McpUrl);
        const string Allowlist = """{"proposed_file":"a.example.com\nb.example.com\n","justification":"docs live on b","wait":false}""";

        JsonNode created = await ToolAsync(client, transcript, "no wait", "pipelock-block", Allowlist);
        string id = (string)created["structuredContent"]!["proposal_id"]!;
        await ToolAsync(client, transcript, "retry joins", "pipelock-block", Allowlist);
        await ToolAsync(client, transcript, "invalid file", "pipelock-block", """{"proposed_file":"not a host!\n","justification":"j"}""");
        await ToolAsync(client, transcript, "status unknown", "supervise-status", """{"proposal_id":"0123456789abcdef0123456789abcdef"}""");
        await ToolAsync(client, transcript, "status malformed id", "supervise-status", """{"proposal_id":"../../etc"}""");
        await ToolAsync(client, transcript, "status other bottle", "supervise-status", $$"""{"proposal_id":"{{other.Output.Trim()}}","wait_seconds":1}""");
        await ToolAsync(client, transcript, "status waits then pending", "supervise-status", $$"""{"proposal_id":"{{id}}","wait_seconds":1}""");

        Task<SseTranscript> waiting = client.CallAsync(McpHttpClient.ToolCall(1, "supervise-status", $$"""{"proposal_id":"{{id}}","wait_seconds":30}"""));
        await Task.Delay(300);
        string finalFile = System.IO.Path.Combine(home.Root, "final");
        await System.IO.File.WriteAllTextAsync(finalFile, "a.example.com\n");
        transcript.Add("modify", home.Host("queue", "modify", id, "--final-file", finalFile, "--notes", "only a"));
        JsonNode decided = (await waiting.WaitAsync(TimeSpan.FromSeconds(60))).Response["result"]!;
        transcript.Add("wait modified: " + decided.ToJsonString(Readable));
        await ToolAsync(client, transcript, "status after archive", "supervise-status", $$"""{"proposal_id":"{{id}}"}""");

        using System.Net.Http.HttpResponseMessage health = await client.Http.GetAsync(new Uri(serve.BaseUrl, "/healthz"));
        transcript.Add($"healthz: {(int)health.StatusCode}");
        transcript.Add("pending", home.Host("queue", "pending", "--json"));
    }

    private static async Task<JsonNode> ToolAsync(McpHttpClient client, Transcript transcript, string label, string tool, string arguments)
    {
        SseTranscript call = await client.CallAsync(McpHttpClient.ToolCall(1, tool, arguments)).WaitAsync(TimeSpan.FromSeconds(60));
        JsonNode result = call.Response["result"] ?? call.Response["error"]!;
        transcript.Add(label + ": " + result.ToJsonString(Readable));
        return result;
    }

    /// <summary>What a scenario did, with ids, timestamps and the scratch path made stable.</summary>
    private sealed partial class Transcript(string root)
    {
        private readonly StringBuilder _text = new();
        private readonly Dictionary<string, string> _ids = [];

        public CommandResult Add(string label, CommandResult result)
        {
            Add($"{label}: exit {result.ExitCode}\n{result.Output.TrimEnd()}\n{result.Error.TrimEnd()}");
            return result;
        }

        public void Add(string line) => _text.AppendLine(line);

        /// <summary>Numbers an id now, so ids get the same names in both modes whatever order they first appear in.</summary>
        public void Name(string id) => _ = NameFor(id);

        public override string ToString()
        {
            string text = _text.ToString().Replace(root, "<home>", StringComparison.Ordinal);
            text = IdPattern().Replace(text, match => NameFor(match.Value));
            return TimestampPattern().Replace(text, "<ts>");
        }

        private string NameFor(string id)
        {
            if (!_ids.TryGetValue(id, out string? name))
            {
                name = $"<id{_ids.Count + 1}>";
                _ids[id] = name;
            }

            return name;
        }

        [GeneratedRegex("[0-9a-f]{32}")]
        private static partial Regex IdPattern();

        [GeneratedRegex(@"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")]
        private static partial Regex TimestampPattern();
    }
}
