using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using BotBottle.Tests.Fuzzing;
using Xunit;
using static BotBottle.Native.Tests.LibBotBottle<BotBottle.Native.Tests.SqliteLibrary>;

namespace BotBottle.Native.Tests;

/// <summary>
/// 10,000 generated malformed inputs at the C ABI: no crash, every call returns a code, and the only
/// rows written are those the library reported as written.
/// </summary>
public sealed unsafe class CAbiFuzzTests : IDisposable
{
    private const int Calls = 10_000;

    private static readonly string[] ProposalTemplates =
    [
        """{"bottle_slug":"bottle-a","tool":"git-gate","proposed_file":"x\n","justification":"why"}""",
        """{"id":"fixed-id","bottle_slug":"bottle-b","tool":"pipelock-block","proposed_file":"a.example\n","justification":"j","archived":false,"current_file":"old\n"}""",
    ];

    private static readonly string[] ResponseTemplates = ["""{"proposal_id":"PROPOSAL","status":"approved","notes":"n"}""", """{"proposal_id":"PROPOSAL","status":"modified","notes":"n","final_file":"f"}"""];

    private static readonly string[] AuditTemplates = ["""{"bottle_slug":"bottle-a","component":"git-gate","operator_action":"approved","diff":"+x"}"""];

    private static readonly string[] FilterTemplates = ["""{"bottle_slug":"bottle-a","component":"git-gate","since":"2026-01-01T00:00:00Z","limit":5}"""];

    private readonly string _directory = Directory.CreateTempSubdirectory("bb-fuzz-").FullName;
    private readonly nint _handle;

    public CAbiFuzzTests()
    {
        (int code, nint handle) = OpenAt(Path.Combine(_directory, "bot-bottle.db"));
        Assert.Equal(Ok, code);
        _handle = handle;
    }

    public void Dispose()
    {
        Close(_handle);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Ten_thousand_malformed_inputs_return_codes_and_write_only_what_they_report()
    {
        FuzzSeed seed = FuzzSeed.For(7, "BotBottle.Native.Tests", GetType());
        seed.Check(() => CallWithMalformedInputs(seed.Random()));
    }

    private void CallWithMalformedInputs(Random random)
    {
        int responsesWritten = 0, auditWritten = 0;
        string knownProposal = (string)JsonNode.Parse(CallJson(WriteProposal, _handle, ProposalTemplates[0]).Json!)!["id"]!;

        // A draft identical to an open proposal joins it (same id, no new row): count ids, not successes.
        var proposalIds = new HashSet<string>(StringComparer.Ordinal) { knownProposal };

        for (int i = 0; i < Calls; i++)
        {
            int code;
            switch (random.Next(6))
            {
                case 0:
                    (code, string? written) = CallBytes(WriteProposal, Malformed(ProposalTemplates, random));
                    if (code == Ok)
                    {
                        proposalIds.Add((string)JsonNode.Parse(written!)!["id"]!);
                    }

                    break;
                case 1:
                    code = CallBytes(WriteResponse, Malformed(ResponseTemplates, random, knownProposal));
                    responsesWritten += code == Ok ? 1 : 0;

                    // A response is a decision: it writes its audit entry with it.
                    auditWritten += code == Ok ? 1 : 0;
                    break;
                case 2:
                    (code, _) = CallBytes(WriteAudit, Malformed(AuditTemplates, random));
                    auditWritten += code == Ok ? 1 : 0;
                    break;
                case 3:
                    (code, _) = CallBytes(ReadAudit, Malformed(FilterTemplates, random));
                    break;
                case 4:
                    (code, _) = CallBytes(ReadProposal, RandomBytes(random));
                    break;
                default:
                    code = CallBytes(Archive, RandomBytes(random));
                    break;
            }

            Assert.InRange(code, 0, 22);
        }

        JsonArray proposals = JsonNode.Parse(CallJson(ListPending, _handle, null).Json!)!.AsArray();
        Assert.True(proposals.Count <= proposalIds.Count);
        Assert.Equal(proposalIds.Count, CountRows("supervise_proposals"));
        Assert.Equal(responsesWritten, CountRows("supervise_responses"));
        Assert.Equal(auditWritten, CountRows("supervise_audit_entries"));
    }

    private int CountRows(string table)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory, "bot-bottle.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM " + table;
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private (int Code, string? Json) CallBytes(delegate* unmanaged<nint, byte*, byte**, int> function, byte[] input)
    {
        fixed (byte* pointer = input)
        {
            byte* output;
            int code = function(_handle, pointer, &output);
            return (code, Take(output));
        }
    }

    private int CallBytes(delegate* unmanaged<nint, byte*, int> function, byte[] input)
    {
        fixed (byte* pointer = input)
        {
            return function(_handle, pointer);
        }
    }

    /// <summary>A NUL-terminated input: a template mutated one to three times, or broken at the byte level.</summary>
    private static byte[] Malformed(string[] templates, Random random, string? proposalId = null)
    {
        JsonNode node = JsonNode.Parse(templates[random.Next(templates.Length)].Replace("PROPOSAL", proposalId ?? "p", StringComparison.Ordinal))!;
        var obj = (JsonObject)node;
        for (int mutations = random.Next(1, 4); mutations > 0; mutations--)
        {
            string key = obj.Count > 0 && random.Next(5) > 0 ? obj.ElementAt(random.Next(obj.Count)).Key : "surprise_" + random.Next(10);
            obj[key] = random.Next(8) switch
            {
                0 => null,
                1 => random.Next(-3, 3),
                2 => new JsonArray("x"),
                3 => new JsonObject { ["nested"] = 1 },
                4 => new string('s', random.Next(3) == 0 ? 2_000_000 : random.Next(0, 70)),
                5 => "UPPER Case!",
                6 => "a\u0000b",
                _ => "2026-13-45T99:99:99Z",
            };
        }

        byte[] bytes = Encoding.UTF8.GetBytes(node.ToJsonString());
        switch (random.Next(8))
        {
            case 0: bytes = bytes[..random.Next(bytes.Length)]; break;
            case 1: bytes[random.Next(bytes.Length)] = (byte)random.Next(1, 256); break;
            case 2: bytes = Encoding.UTF8.GetBytes(new string('[', 5000)); break;
        }

        return [.. bytes, 0];
    }

    private static byte[] RandomBytes(Random random)
    {
        byte[] bytes = new byte[random.Next(0, 200)];
        random.NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = bytes[i] == 0 ? (byte)1 : bytes[i];
        }

        return [.. bytes, 0];
    }
}
