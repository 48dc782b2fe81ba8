using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using static BotBottle.Native.Tests.LibBotBottle<BotBottle.Native.Tests.SqliteLibrary>;

namespace BotBottle.Native.Tests;

/// <summary>Every export of libbotbottle, its errors, and its threading, through function pointers.</summary>
public sealed unsafe class CAbiTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bb-abi-").FullName;
    private readonly nint _handle;

    public CAbiTests()
    {
        (int code, nint handle) = OpenAt(Path.Combine(_directory, "db", "bot-bottle.db"));
        Assert.Equal(Ok, code);
        _handle = handle;
    }

    public void Dispose()
    {
        Close(_handle);
        Directory.Delete(_directory, recursive: true);
    }

    private (int Code, JsonNode? Json) Call(delegate* unmanaged<nint, byte*, byte**, int> function, string? argument)
    {
        (int code, string? json) = CallJson(function, _handle, argument);
        return (code, json is null ? null : JsonNode.Parse(json));
    }

    private int Call(delegate* unmanaged<nint, byte*, int> function, string argument)
    {
        byte* input = Utf8(argument);
        int code = function(_handle, input);
        Release(input);
        return code;
    }

    private string Propose(string slug = "bottle-a", string justification = "why") => ProposeOn(_handle, slug, justification);

    /// <remarks>An identical open draft joins the first one (same id); vary the justification for distinct proposals.</remarks>
    private static string ProposeOn(nint handle, string slug = "bottle-a", string justification = "why")
    {
        (int code, string? json) = CallJson(WriteProposal, handle, $$"""{"bottle_slug":"{{slug}}","tool":"git-gate","proposed_file":"x\n","justification":"{{justification}}"}""");
        Assert.Equal(Ok, code);
        return (string)JsonNode.Parse(json!)!["id"]!;
    }

    [Fact]
    public void Libbotbottle_carries_no_npgsql_and_libbotbottle_fleet_does()
    {
        // Single-host processes load libbotbottle: the trimmer must have dropped fleet mode's PostgreSQL from it.
        static bool Mentions(string file, string text) => File.ReadAllBytes(Path.Combine(Dist, file)).AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(text)) >= 0;
        string extension = OperatingSystem.IsMacOS() ? ".dylib" : ".so";

        Assert.False(Mentions("libbotbottle" + extension, "Npgsql"));
        Assert.True(Mentions("libbotbottle-fleet" + extension, "Npgsql"));
    }

    [Fact]
    public void Queue_round_trip_through_every_queue_export()
    {
        string id = Propose();

        (int readCode, JsonNode? proposal) = Call(ReadProposal, id);
        (int listCode, JsonNode? pending) = Call(ListPending, "bottle-a");
        int respondCode = Call(WriteResponse, $$"""{"proposal_id":"{{id}}","status":"approved","notes":"ok"}""");
        (int responseCode, JsonNode? response) = Call(ReadResponse, id);
        int archiveCode = Call(Archive, id);
        (_, JsonNode? afterArchive) = Call(ListPending, null);

        Assert.Equal((Ok, Ok, Ok, Ok, Ok), (readCode, listCode, respondCode, responseCode, archiveCode));
        Assert.Equal("bottle-a", (string)proposal!["bottle_slug"]!);
        Assert.Equal([id], pending!.AsArray().Select(static p => (string)p!["id"]!));
        Assert.Equal("approved", (string)response!["status"]!);
        Assert.Empty(afterArchive!.AsArray());
        Assert.Null(TakeLastError());
    }

    [Fact]
    public void Read_bottle_proposal_sees_only_that_bottles_proposals()
    {
        string mine = Propose("bottle-a");
        string theirs = Propose("bottle-b");

        (int own, string? ownJson) = ReadOf("bottle-a", mine);
        (int other, string? otherJson) = ReadOf("bottle-a", theirs);
        string? otherError = TakeLastError();
        (int unknown, _) = ReadOf("bottle-a", "p-" + new string('0', 32));
        string? unknownError = TakeLastError();

        Assert.Equal((Ok, NotFound, NotFound), (own, other, unknown));
        Assert.Equal(mine, (string)JsonNode.Parse(ownJson!)!["id"]!);
        Assert.Null(otherJson);
        Assert.Equal(unknownError!.Replace("p-" + new string('0', 32), theirs, StringComparison.Ordinal), otherError);
    }

    private (int Code, string? Json) ReadOf(string slug, string id)
    {
        byte* slugText = Utf8(slug);
        byte* idText = Utf8(id);
        byte* output = null;
        try
        {
            int code = ReadBottleProposal(_handle, slugText, idText, &output);
            return (code, Take(output));
        }
        finally
        {
            Release(slugText);
            Release(idText);
        }
    }

    [Fact]
    public void Decide_writes_the_response_and_its_audit_entry_and_returns_both()
    {
        string id = Propose();

        (int code, JsonNode? decision) = Call(Decide, $$"""{"proposal_id":"{{id}}","status":"modified","notes":"narrowed","final_file":"b.example\n"}""");

        Assert.Equal(Ok, code);
        Assert.Equal(id, (string)decision!["proposal"]!["id"]!);
        Assert.Equal("modified", (string)decision["response"]!["status"]!);
        Assert.Equal("b.example\n", (string)decision["response"]!["final_file"]!);
        JsonNode entry = decision["audit_entry"]!;
        Assert.Equal(("bottle-a", "modified", "narrowed"), ((string)entry["bottle_slug"]!, (string)entry["operator_action"]!, (string)entry["operator_notes"]!));
        Assert.Contains("+b.example", (string)entry["diff"]!, StringComparison.Ordinal);
        Assert.Equal([(long)entry["id"]!], Call(ReadAudit, null).Json!.AsArray().Select(static e => (long)e!["id"]!));
    }

    [Theory]
    [InlineData("""{"status":"rejected","notes":""}""", "A rejection needs notes")]
    [InlineData("""{"status":"modified","notes":"n","final_file":"b.example\u001b[2J\n"}""", "final_file holds U+001B")]
    [InlineData("""{"status":"approved","notes":"n","final_file":"b.example\n"}""", "only for a modified response")]
    [InlineData("""{"status":"maybe"}""", "not one of approved, modified, rejected")]
    public void A_bad_decision_is_refused_by_bb_decide_and_bb_write_response_and_nothing_is_written(string decision, string fragment)
    {
        string id = Propose();
        JsonObject json = JsonNode.Parse(decision)!.AsObject();
        json["proposal_id"] = id;

        (int decideCode, JsonNode? decided) = Call(Decide, json.ToJsonString());
        string decideError = TakeLastError()!;
        int writeCode = Call(WriteResponse, json.ToJsonString());
        string writeError = TakeLastError()!;

        Assert.Equal((InvalidArgument, InvalidArgument), (decideCode, writeCode));
        Assert.Null(decided);
        Assert.Contains(fragment, decideError, StringComparison.Ordinal);
        Assert.Equal(decideError, writeError);
        Assert.Equal(NotFound, Call(ReadResponse, id).Code);
        Assert.Empty(Call(ReadAudit, null).Json!.AsArray());
    }

    [Theory]
    [InlineData("clear\u001B[2J", "U+001B (ESC")]
    [InlineData("over\u202Eride", "U+202E (right-to-left override)")]
    [InlineData("   ", "justification is empty")]
    public void WriteProposal_refuses_agent_text_that_could_mislead_the_operator(string justification, string fragment)
    {
        string json = new JsonObject { ["bottle_slug"] = "bottle-a", ["tool"] = "git-gate", ["proposed_file"] = "", ["justification"] = justification }.ToJsonString();

        (int code, JsonNode? written) = Call(WriteProposal, json);

        Assert.Equal(1, code);
        Assert.Null(written);
        Assert.Contains(fragment, TakeLastError(), StringComparison.Ordinal);
        Assert.Empty(Call(ListPending, null).Json!.AsArray());
    }

    [Fact]
    public void WriteProposal_past_a_cap_returns_limit_reached_and_writes_nothing()
    {
        int code = Ok;
        int written = 0;
        while (code == Ok && written <= 20)
        {
            string json = new JsonObject { ["bottle_slug"] = "bottle-a", ["tool"] = "git-gate", ["proposed_file"] = "", ["justification"] = "flood " + written }.ToJsonString();
            code = CallJson(WriteProposal, _handle, json).Code;
            written += code == Ok ? 1 : 0;
        }

        Assert.Equal(15, code);
        Assert.Contains("'bottle-a'", TakeLastError(), StringComparison.Ordinal);
        Assert.Equal(written, Call(ListPending, "bottle-a").Json!.AsArray().Count);
    }

    [Fact]
    public void Audit_round_trip_with_filters()
    {
        (int code, JsonNode? entry) = Call(WriteAudit, """{"bottle_slug":"bottle-a","component":"git-gate","operator_action":"approved","diff":"+x"}""");
        Call(WriteAudit, """{"bottle_slug":"bottle-b","component":"egress","operator_action":"rejected"}""");

        (int readCode, JsonNode? filtered) = Call(ReadAudit, """{"component":"git-gate"}""");
        (_, JsonNode? all) = Call(ReadAudit, null);

        Assert.Equal((Ok, Ok), (code, readCode));
        Assert.True((long)entry!["id"]! > 0);
        Assert.Equal([(long)entry["id"]!], filtered!.AsArray().Select(static e => (long)e!["id"]!));
        Assert.Equal(2, all!.AsArray().Count);
    }

    [Fact]
    public void Read_of_a_missing_proposal_or_response_is_not_found_with_null_output()
    {
        (int proposalCode, JsonNode? proposal) = Call(ReadProposal, "missing");
        (int responseCode, JsonNode? response) = Call(ReadResponse, Propose());

        Assert.Equal((NotFound, NotFound), (proposalCode, responseCode));
        Assert.Null(proposal);
        Assert.Null(response);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("""{"bottle_slug":"","tool":"git-gate","proposed_file":"x","justification":"y"}""")]
    [InlineData("""{"bottle_slug":"bottle-a","tool":"git-gate","proposed_file":"x","justification":"y","surprise":1}""")]
    public void WriteProposal_returns_invalid_argument_and_writes_nothing_for(string json)
    {
        (int code, JsonNode? output) = Call(WriteProposal, json);

        Assert.Equal(InvalidArgument, code);
        Assert.Null(output);
        Assert.False(string.IsNullOrEmpty(TakeLastError()));
        Assert.Empty(Call(ListPending, null).Json!.AsArray());
    }

    [Fact]
    public void Null_arguments_return_invalid_argument()
    {
        byte* output;

        Assert.Equal(InvalidArgument, WriteProposal(_handle, null, &output));
        Assert.Equal(InvalidArgument, ReadProposal(_handle, null, &output));
        Assert.Equal(InvalidArgument, ListPending(_handle, null, null));
        Assert.Equal(InvalidArgument, Open(null, null));
        Assert.Contains("NULL", TakeLastError(), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_returns_invalid_argument()
    {
        byte* bad = stackalloc byte[] { 0xC3, 0x28, 0x00 };

        Assert.Equal(InvalidArgument, Archive(_handle, bad));
        Assert.Contains("UTF-8", TakeLastError(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_and_closed_handles_return_invalid_handle()
    {
        byte* output;
        (int code, nint handle) = OpenAt(Path.Combine(_directory, "other.db"));
        Assert.Equal(Ok, code);
        Assert.Equal(Ok, Close(handle));

        Assert.Equal(InvalidHandle, ListPending(handle, null, &output));
        Assert.Equal(InvalidHandle, Close(handle));
        Assert.Equal(InvalidHandle, ListPending(123456, null, &output));
    }

    [Fact]
    public void Second_response_returns_already_answered()
    {
        string id = Propose();
        Assert.Equal(Ok, Call(WriteResponse, $$"""{"proposal_id":"{{id}}","status":"approved"}"""));

        Assert.Equal(AlreadyAnswered, Call(WriteResponse, $$"""{"proposal_id":"{{id}}","status":"rejected","notes":"no"}"""));
        Assert.Equal(InvalidArgument, Call(WriteResponse, $$"""{"proposal_id":"{{id}}","status":"maybe"}"""));
    }

    [Fact]
    public void Wait_returns_timeout_when_nobody_answers()
    {
        (int code, string? json) = Wait(_handle, Propose(), 150);

        Assert.Equal(TimedOut, code);
        Assert.Null(json);
        Assert.Contains("still pending", TakeLastErrorOn(code), StringComparison.Ordinal);
    }

    [Fact]
    public void Wait_returns_the_answer_written_by_another_thread()
    {
        string id = Propose();
        (Thread waiter, Func<(int, string?)> result) = OnThread(() => Wait(_handle, id, 30_000));
        Thread.Sleep(200);

        Assert.Equal(Ok, Call(WriteResponse, $$"""{"proposal_id":"{{id}}","status":"rejected","notes":"no"}"""));
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)));
        (int code, string? json) = result();

        Assert.Equal(Ok, code);
        Assert.Equal("rejected", (string)JsonNode.Parse(json!)!["status"]!);
    }

    [Fact]
    public void Close_from_another_thread_interrupts_a_wait()
    {
        (int code, nint handle) = OpenAt(Path.Combine(_directory, "closing.db"));
        Assert.Equal(Ok, code);
        string id = ProposeOn(handle);

        (Thread waiter, Func<(int Code, string? Json)> result) = OnThread(() => Wait(handle, id, -1));
        Thread.Sleep(300);
        Assert.Equal(Ok, Close(handle));

        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(Closed, result().Code);
    }

    [Fact]
    public void Many_threads_write_and_read_on_one_handle()
    {
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            string id = Propose("bottle-" + (i % 4), "why " + i);
            Assert.Equal(Ok, Call(ReadProposal, id).Code);
        });

        Assert.Equal(16, Call(ListPending, null).Json!.AsArray().Count);
    }

    /// <summary>Runs <paramref name="work"/> on its own thread, as a C host thread would call the library.</summary>
    private static (Thread Thread, Func<T> Result) OnThread<T>(Func<T> work)
    {
        T result = default!;
        var thread = new Thread(() => result = work()) { IsBackground = true };
        thread.Start();
        return (thread, () => result);
    }
}
