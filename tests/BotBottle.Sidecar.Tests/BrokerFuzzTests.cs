using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using BotBottle.Tests.Fuzzing;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// 10,000 generated malformed requests at the broker's socket, each on its own connection: every
/// one is refused (an error reply or a closed connection), none hangs, the broker survives, and
/// the database is byte-for-byte the same rows afterwards.
/// </summary>
// 10,000 processes or requests: run against the native binary only (build/test.sh leaves them out under emulation).
[Trait("Category", "Fuzz")]
public sealed class BrokerFuzzTests : IAsyncLifetime
{
    private const int Requests = 10_000;
    private const int MaxFrameBytes = 16 * 1024 * 1024;

    private readonly TestHome _home = new TestHome().Migrated();
    private BrokerProcess _broker = null!;
    private string _ownId = null!;
    private string _otherId = null!;

    public async Task InitializeAsync()
    {
        _otherId = _home.Host("propose", "--slug", "bottle-b", "--tool", "git-gate", "--justification", "b").Output.Trim();
        _ownId = _home.Host("propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "a").Output.Trim();
        Assert.Equal(0, _home.Host("queue", "approve", _otherId).ExitCode);
        _broker = await BrokerProcess.StartAsync(_home);
    }

    public Task DisposeAsync()
    {
        _broker.Dispose();
        _home.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public Task Ten_thousand_malformed_requests_are_refused_without_a_hang_a_crash_or_a_write()
    {
        FuzzSeed seed = FuzzSeed.For(6, "BotBottle.Sidecar.Tests", GetType());
        return seed.CheckAsync(() => SendMalformedRequestsAsync(seed.Random()));
    }

    private async Task SendMalformedRequestsAsync(Random random)
    {
        string before = Snapshot();
        var accepted = new List<string>();
        var kinds = new Dictionary<string, int>();

        for (int i = 0; i < Requests; i++)
        {
            (string kind, byte[] bytes) = Generate(random);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            JsonNode? reply = await SendAsync(bytes);
            // A refusal is a typed error, or, for an unversioned request, protocol 1's {"ok":false,…}.
            bool refused = reply is null || (string?)reply["reply"] == "error" || (reply["ok"] is JsonValue ok && ok.TryGetValue(out bool isOk) && !isOk);
            if (!refused)
            {
                accepted.Add($"{kind}: {Encoding.UTF8.GetString(bytes.AsSpan(4, Math.Min(bytes.Length - 4, 200)))} -> {reply!.ToJsonString()}");
            }
        }

        Assert.Empty(accepted);
        Assert.False(_broker.Process.HasExited, "the broker died");
        JsonNode hello = (await SendAsync(Frame($$"""{"v":3,"op":"hello","slug":"bottle-a"}""")))!;
        Assert.True((string?)hello["reply"] == "hello", hello.ToJsonString());
        Assert.Equal(before, Snapshot());
        Assert.True(kinds.Count >= 20, "the generator covers too few kinds: " + string.Join(", ", kinds.Keys));
    }

    private Task<JsonNode?> SendAsync(byte[] bytes) => BrokerWire.SendAsync(_broker.SocketPath, bytes);

    private (string Kind, byte[] Bytes) Generate(Random random)
    {
        string[] ops = ["hello", "propose", "read_proposal", "read_response", "consume", "archive"];
        string op = ops[random.Next(ops.Length)];
        string badString = BadStrings[random.Next(BadStrings.Length)];
        switch (random.Next(22))
        {
            case 0:
                return ("zero length", Header(0));
            case 1:
                return ("oversized length", Header((uint)random.NextInt64(MaxFrameBytes + 1L, uint.MaxValue + 1L)));
            case 2:
                byte[] shortBody = Encoding.UTF8.GetBytes("""{"v":3,"op":"hello","slug":"bottle-a"}""");
                return ("body shorter than its length", [.. Header((uint)(shortBody.Length + random.Next(1, 1000))), .. shortBody]);
            case 3:
                return ("partial header", Header(10)[..random.Next(0, 4)]);
            case 4:
                byte[] noise = new byte[random.Next(1, 300)];
                random.NextBytes(noise);
                noise[0] = (byte)'{';
                noise[^1] = 0xff;
                return ("random bytes", Frame(noise));
            case 5:
                string valid = $$"""{"v":3,"op":"{{op}}","slug":"bottle-a","proposal_id":"{{_ownId}}"}""";
                return ("truncated json", Frame(valid[..random.Next(1, valid.Length - 1)]));
            case 6:
                return ("not an object", Frame(NotObjects[random.Next(NotObjects.Length)]));
            case 7:
                return ("invalid utf-8", Frame([.. "{\"v\":2,\"op\":\"hello\",\"slug\":\"bottle-"u8.ToArray(), (byte)(0x80 + random.Next(0x40)), (byte)0xc3, .. "\"}"u8.ToArray()]));
            case 8:
                return ("unknown op", Frame($$"""{"v":3,"op":"{{Escape("x" + badString + op)}}","slug":"bottle-a"}"""));
            case 9:
                string[] versions = ["\"v\":1,", "\"v\":2,", "\"v\":4,", "\"v\":\"3\",", "\"v\":null,", "", "\"v\":3,\"v\":3,"];
                return random.Next(3) == 0
                    ? ("missing op", Frame("""{"v":3,"slug":"bottle-a"}"""))
                    : ("wrong or missing version", Frame($$"""{{{versions[random.Next(versions.Length)]}}"op":"hello","slug":"bottle-a"}"""));
            case 10:
                string[] slugs = ["bottle-b", "", "BOTTLE-A", "bottle-a\u0000", " bottle-a", "bottle-a/..", new string('a', 64)];
                return ("wrong slug", Frame($$"""{"v":3,"op":"{{op}}","slug":"{{Escape(slugs[random.Next(slugs.Length)])}}","proposal_id":"{{_ownId}}"}"""));
            case 11:
                return ("missing slug", Frame($$"""{"v":3,"op":"{{op}}","proposal_id":"{{_ownId}}"}"""));
            case 12:
                return ("unknown field", Frame($$"""{"v":3,"op":"{{op}}","slug":"bottle-a","proposal_id":"{{_ownId}}","{{Escape(badString)}}x":1}"""));
            case 13:
                string[] wrongTypes = ["\"op\":5", "\"slug\":[\"bottle-a\"]", "\"proposal_id\":{}", "\"timeout_ms\":\"10\"", "\"timeout_ms\":1.5", "\"tool\":true"];
                return ("wrong type", Frame($$"""{"v":3,"op":"{{op}}","slug":"bottle-a",{{wrongTypes[random.Next(wrongTypes.Length)]}}}"""));
            case 14:
                return ("bad proposal id", Frame($$"""{"v":3,"op":"{{ops[random.Next(2, 6)]}}","slug":"bottle-a","proposal_id":"{{Escape(badString)}}","timeout_ms":0}"""));
            case 15:
                return ("missing proposal id", Frame($$"""{"v":3,"op":"{{ops[random.Next(2, 6)]}}","slug":"bottle-a","timeout_ms":0}"""));
            case 16:
                return ("bad tool", Frame($$"""{"v":3,"op":"propose","slug":"bottle-a","tool":"{{Escape(badString)}}","proposed_file":"x","justification":"j"}"""));
            case 17:
                string field = random.Next(3) switch { 0 => "proposed_file", 1 => "justification", _ => "current_file" };
                string value = random.Next(4) == 0 ? new string('x', (field == "justification" ? 64 * 1024 : 1024 * 1024) + 1) : Escape(badString) + "\\u0000";
                string fields = $"\"proposed_file\":\"x\",\"justification\":\"j\",\"{field}\":\"{value}\"".Replace($"\"{field}\":\"x\",", string.Empty, StringComparison.Ordinal).Replace($"\"{field}\":\"j\",", string.Empty, StringComparison.Ordinal);
                return ("bad text field", Frame($$"""{"v":3,"op":"propose","slug":"bottle-a","tool":"git-gate",{{fields}}}"""));
            case 18:
                return ("lone surrogate", Frame("""{"v":3,"op":"propose","slug":"bottle-a","tool":"git-gate","proposed_file":"\ud800","justification":"j"}"""));
            case 19:
                long[] timeouts = [-2, -1000, 31_536_000_001, long.MaxValue, long.MinValue];
                return ("bad timeout", Frame($$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{_ownId}}","timeout_ms":{{timeouts[random.Next(timeouts.Length)]}}}"""));
            case 20:
                string[] misuses =
                [
                    $$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{_otherId}}","timeout_ms":0}""",
                    $$"""{"v":3,"op":"archive","slug":"bottle-a","proposal_id":"{{_otherId}}"}""",
                    $$"""{"v":3,"op":"archive","slug":"bottle-a","proposal_id":"0123456789abcdef0123456789abcdef"}""",
                    $$"""{"v":3,"op":"consume","slug":"bottle-a","proposal_id":"{{_ownId}}"}""",
                    $$"""{"v":3,"op":"archive","slug":"bottle-a","proposal_id":"{{_ownId}}","tool":"git-gate"}""",
                    $$"""{"v":3,"op":"propose","slug":"bottle-a","proposal_id":"{{_ownId}}","tool":"git-gate","proposed_file":"x","justification":"j"}""",
                    """{"v":3,"op":"propose","slug":"bottle-a","tool":"git-gate","proposed_file":"x"}""",
                ];
                return ("misused op", Frame(misuses[random.Next(misuses.Length)]));
            default:
                return ("duplicate slug", Frame($$"""{"v":3,"op":"propose","slug":"bottle-a","slug":"bottle-b","tool":"git-gate","proposed_file":"x","justification":"j"}"""));
        }
    }

    private static readonly string[] NotObjects = ["[]", "null", "42", "\"hello\"", "true", "[{\"v\":2,\"op\":\"hello\"}]"];

    private static readonly string[] BadStrings =
    [
        "", " ", "\u0000", "a\u0000b", "../../etc/passwd", "DROP TABLE supervise_proposals;--", "'; DELETE FROM x; --",
        new string('z', 200), "\u202e", "ünïcödé", "tab\tname", "new\nline", "%s%n", "\\", "\"",
    ];

    private static string Escape(string value) => System.Text.Json.JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    private static byte[] Header(uint length) => BrokerWire.Header(length);

    private static byte[] Frame(string json) => BrokerWire.Frame(json);

    private static byte[] Frame(byte[] body) => BrokerWire.Frame(body);

    private static readonly string[] Tables = ["supervise_proposals", "supervise_responses", "supervise_audit_entries", "schema_migrations"];

    /// <summary>Every row of the queue and audit tables, as text.</summary>
    private string Snapshot()
    {
        using var connection = new SqliteConnection($"Data Source={_home.DbPath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var text = new StringBuilder();
        foreach (string table in Tables)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY 1";
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                text.AppendLine(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString())));
            }
        }

        return text.ToString();
    }
}
