using System;
using System.Text;
using System.Text.Json;
using BotBottle.Sidecar.Broker;
using BotBottle.Sidecar.Cli;
using BotBottle.Storage.Errors;
using Xunit;

namespace BotBottle.Sidecar.Tests.Unit;

/// <summary>The sidecar's pure rules, each in one small in-process test; the cross-process suites cover the whole.</summary>
public sealed class SidecarUnitTests
{
    [Theory]
    [InlineData("20", 20L)]
    [InlineData(" 8K ", 8L * 1024)]
    [InlineData("256m", 256L * 1024 * 1024)]
    [InlineData("1G", 1024L * 1024 * 1024)]
    public void LimitsCommands_ParseValue_reads_numbers_with_binary_suffixes(string text, long value)
        => Assert.Equal(value, LimitsCommands.ParseValue(text));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("K")]
    [InlineData("1.5M")]
    [InlineData("9999999999G")]
    public void LimitsCommands_ParseValue_refuses_what_is_not_a_whole_number(string text)
        => Assert.Throws<UsageException>(() => LimitsCommands.ParseValue(text));

    [Fact]
    public void TableWriter_Clean_shows_controls_and_cuts_long_cells_without_splitting_a_pair()
    {
        Assert.Equal("a\\x1b[2Jb", TableWriter.Clean("a\u001B[2Jb"));
        Assert.Equal(new string('x', 60) + "…", TableWriter.Clean(new string('x', 80)));
        Assert.Equal(new string('x', 59) + "…", TableWriter.Clean(new string('x', 59) + "😀tail"));
    }

    [Fact]
    public void TerminalSafeJsonEncoder_escapes_what_a_terminal_would_act_on_and_keeps_the_rest_readable()
    {
        string json = JsonSerializer.Serialize("café <a> + \"q\" \u202E\u200B\u001B", SidecarJson.Readable.String);

        Assert.Equal("\"café <a> + \\\"q\\\" \\u202E\\u200B\\u001B\"", json);
        Assert.Equal("café <a> + \"q\" \u202E\u200B\u001B", JsonSerializer.Deserialize(json, SidecarJsonContext.Default.String));
    }

    [Fact]
    public void CommonOptions_DecodeUtf8_drops_a_bom_and_names_the_first_bad_byte()
    {
        Assert.Equal("hé", FileArguments.DecodeUtf8([0xEF, 0xBB, 0xBF, (byte)'h', 0xC3, 0xA9], "--file"));
        var error = Assert.Throws<UsageException>(() => FileArguments.DecodeUtf8([(byte)'o', (byte)'k', 0xFF], "--file"));
        Assert.Equal("--file: not UTF-8 text (byte 2 is 0xff); save it as UTF-8.", error.Message);
    }

    [Fact]
    public void ExitCodes_For_gives_every_error_kind_a_documented_code()
    {
        foreach (StorageErrorKind kind in Enum.GetValues<StorageErrorKind>())
        {
            int code = ExitCodes.For(kind);
            Assert.Contains($"  {code} ", ExitCodes.Help, StringComparison.Ordinal);
            Assert.True(kind == StorageErrorKind.Internal || code != ExitCodes.Internal, $"{kind} has no exit code of its own");
        }
    }

    [Theory]
    [InlineData("""{"v":2,"op":"hello","slug":"a"}""", 2)]
    [InlineData("""{"op":"hello","slug":"a"}""", 1)]
    [InlineData("""{"slug":"a","op":"hello","v":3}""", 3)]
    [InlineData("""{"v":"2","op":"hello"}""", -1)]
    public void BrokerProtocol_VersionOf_reads_v_or_calls_the_unversioned_protocol_1(string json, int version)
        => Assert.Equal(version, BrokerProtocol.VersionOf(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void BrokerProtocol_UnversionedError_is_protocol_1s_reply_shape_with_its_error_number()
    {
        byte[] reply = BrokerProtocol.UnversionedError(new ErrorReply(StorageErrorKind.Schema, "upgrade \"x\""));

        Assert.Equal("""{"ok":false,"error_kind":12,"message":"upgrade \u0022x\u0022"}""", Encoding.UTF8.GetString(reply));
    }

    [Theory]
    [InlineData(1, 2, "the host's broker is older")]
    [InlineData(3, 2, "the sidecar is older")]
    [InlineData(2, 1, "the sidecar is older")]
    public void BrokerProtocol_Mismatch_names_the_older_side(int broker, int sidecar, string expected)
        => Assert.Contains(expected, BrokerProtocol.Mismatch(broker, sidecar), StringComparison.Ordinal);

    [Fact]
    public void BrokerProtocol_round_trips_each_request_kind_by_its_op()
    {
        BrokerRequest request = new ConsumeRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", ProposalId = "p1", TimeoutMs = -1, HeartbeatMs = 10_000 };

        string json = JsonSerializer.Serialize(request, BrokerJsonContext.Default.BrokerRequest);
        BrokerRequest read = JsonSerializer.Deserialize(json, BrokerJsonContext.Default.BrokerRequest)!;

        Assert.StartsWith("""{"op":"consume",""", json, StringComparison.Ordinal);
        Assert.Equal(request, read);
    }

    [Theory]
    [InlineData("""{"v":3,"op":"hello","slug":"a","proposal_id":"x"}""")]
    [InlineData("""{"v":3,"op":"consume","slug":"a","proposal_id":"x"}""")]
    [InlineData("""{"v":3,"op":"archive","slug":"a","proposal_id":"x"}""")]
    [InlineData("""{"v":3,"slug":"a"}""")]
    [InlineData("""{"v":3,"op":"propose","slug":"a","slug":"b","tool":"t","proposed_file":"","justification":"j"}""")]
    public void BrokerProtocol_refuses_a_field_of_another_kind_a_missing_field_an_unknown_kind_and_duplicates(string json)
        => Assert.ThrowsAny<Exception>(() => JsonSerializer.Deserialize(json, BrokerJsonContext.Default.BrokerRequest));

    [Fact]
    public void BrokerProtocol_round_trips_each_reply_kind()
    {
        var proposal = new Storage.Queue.Proposal("p1", "bottle-a", "git-gate", "x", "why", System.DateTimeOffset.UnixEpoch, null, false);
        BrokerReply[] replies =
        [
            new HelloReply("bottle-a"),
            new ProposeReply(proposal, Joined: true),
            new ReadProposalReply(null),
            new ConsumeReply(new Storage.Queue.Response("p1", Storage.Queue.ResponseStatus.Approved, "ok", null, false)),
            new HealthReply(Storage.Database.StorageHealth.Healthy),
            new ErrorReply(StorageErrorKind.LimitReached, "wait"),
        ];

        foreach (BrokerReply reply in replies)
        {
            string json = JsonSerializer.Serialize(reply, BrokerJsonContext.Default.BrokerReply);
            Assert.Equal(reply, JsonSerializer.Deserialize(json, BrokerJsonContext.Default.BrokerReply));
        }
    }
}
