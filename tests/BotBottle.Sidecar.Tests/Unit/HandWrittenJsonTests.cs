using System;
using System.Text;
using System.Text.Json;
using BotBottle.Sidecar.Broker;
using BotBottle.Sidecar.Cli;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Sidecar.Tests.Unit;

/// <summary>
/// The JSON that bot-bottle-propose writes and reads by hand (so it carries no serializer) against
/// the generated contracts the rest of the sidecar and the broker use: every kind, both directions,
/// with text that needs escaping.
/// </summary>
public sealed class HandWrittenJsonTests
{
    /// <summary>Quotes, controls, bidi and zero-width characters, non-ASCII, an astral character, and HTML.</summary>
    private const string Awkward = "say \"hi\"\\ \n\t\u0007 \u202Eevil\u202C \u200B é 日本 😀 <script>&amp;+";

    private static readonly Proposal SomeProposal = new("p1", "bottle-a", "git-gate", Awkward, "why " + Awkward, new DateTimeOffset(2026, 12, 6, 21, 39, 51, 123, TimeSpan.Zero).AddTicks(4567), "ab12", Archived: false, CurrentFile: "old " + Awkward);

    private static readonly BrokerRequest[] Requests =
    [
        new HelloRequest { Version = BrokerProtocol.Version, Slug = "bottle-a" },
        new ProposeRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", Tool = "git-gate", ProposedFile = Awkward, Justification = "j " + Awkward, CurrentFile = "c" },
        new ProposeRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", Tool = "git-gate", ProposedFile = string.Empty, Justification = "j" },
        new ReadProposalRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", ProposalId = "p1" },
        new ConsumeRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", ProposalId = "p1", TimeoutMs = -1, HeartbeatMs = 10_000 },
        new ConsumeRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", ProposalId = "p1", TimeoutMs = 2_500 },
        new WithdrawRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", ProposalId = "p1" },
        new ReadFirstSeenRequest { Version = BrokerProtocol.Version, Slug = "bottle-a", ProposalId = "p1" },
        new HealthRequest { Version = BrokerProtocol.Version, Slug = "bottle-a" },
    ];

    private static readonly BrokerReply[] Replies =
    [
        new HelloReply("bottle-a"),
        new ProposeReply(SomeProposal, Joined: true),
        new ProposeReply(SomeProposal with { CurrentFile = null, CurrentFileHash = null, Archived = true }, Joined: false),
        new ReadProposalReply(SomeProposal),
        new ReadProposalReply(null),
        new ConsumeReply(new Response("p1", ResponseStatus.Modified, Awkward, "final " + Awkward, false)),
        new ConsumeReply(new Response("p1", ResponseStatus.Rejected, "no", null, true)),
        new ConsumeReply(null),
        new WithdrawReply(new Withdrawal("p1", DateTimeOffset.UnixEpoch, "withdrawn by the agent", 42)),
        new ReadFirstSeenReply(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2))),
        new ReadFirstSeenReply(null),
        new HealthReply(StorageHealth.Healthy),
        new HealthReply(new StorageHealth(false, StorageErrorKind.DiskFull, "full " + Awkward)),
        new ErrorReply(StorageErrorKind.LimitReached, "wait " + Awkward),
    ];

    public static TheoryData<int> RequestKinds => [.. System.Linq.Enumerable.Range(0, Requests.Length)];

    public static TheoryData<int> ReplyKinds => [.. System.Linq.Enumerable.Range(0, Replies.Length)];

    [Theory]
    [MemberData(nameof(RequestKinds))]
    public void The_clients_requests_are_what_the_brokers_contract_reads(int index)
    {
        BrokerRequest request = Requests[index];
        byte[] written = BrokerClientJson.Write(request);

        Assert.Equal(request, JsonSerializer.Deserialize(written, BrokerJsonContext.Default.BrokerRequest));
        Assert.Equal(BrokerProtocol.Version, BrokerProtocol.VersionOf(written));
    }

    [Theory]
    [MemberData(nameof(ReplyKinds))]
    public void The_client_reads_every_reply_the_broker_writes(int index)
    {
        BrokerReply reply = Replies[index];
        byte[] written = JsonSerializer.SerializeToUtf8Bytes(reply, BrokerJsonContext.Default.BrokerReply);

        Assert.Equal(reply, BrokerClientJson.ReadReply(written));
    }

    [Theory]
    [InlineData("""{"reply":"hello","v":3,"slug":"a","extra":1}""")]
    [InlineData("""{"reply":"hello","v":3}""")]
    [InlineData("""{"reply":"hello","v":3,"slug":"a","slug":"b"}""")]
    [InlineData("""{"reply":"hello","v":3,"slug":null}""")]
    [InlineData("""{"reply":"hello","v":3,"slug":"a","joined":true}""")]
    [InlineData("""{"reply":"archive","v":3}""")]
    [InlineData("""{"v":3,"slug":"a"}""")]
    [InlineData("""{"reply":"error","v":3,"error_kind":"Exploded","message":"m"}""")]
    [InlineData("""{"reply":"error","v":3,"error_kind":"5","message":"m"}""")]
    [InlineData("""{"reply":"error","v":3,"error_kind":5,"message":"m"}""")]
    [InlineData("""{"reply":"propose","v":3,"proposal":null,"joined":false}""")]
    [InlineData("""{"reply":"consume","v":3,"response":{"proposal_id":"p","status":"Approved","notes":"","archived":false}}""")]
    [InlineData("""{"reply":"consume","v":3,"response":{"proposal_id":"p","status":"Approved","notes":"","final_file":null,"archived":false,"x":1}}""")]
    [InlineData("""{"reply":"hello","v":3,"slug":"a"} {}""")]
    [InlineData("""[1]""")]
    [InlineData("""not json""")]
    public void The_client_refuses_what_the_contract_would_refuse(string json)
        => Assert.Null(BrokerClientJson.ReadReply(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("approved", "ok", "final")]
    [InlineData("rejected", "", null)]
    [InlineData("modified", Awkward, Awkward)]
    public void Proposes_JSON_is_byte_for_byte_the_serializers(string status, string notes, string? finalFile)
    {
        var result = new ToolResult(status, notes, finalFile, "p1");
        var output = new ProposeOutput("p1 " + Awkward, Joined: true);

        Assert.Equal(JsonSerializer.Serialize(result, SidecarJson.Readable.ToolResult), ProposeJson.Serialize(result));
        Assert.Equal(JsonSerializer.Serialize(output, SidecarJson.Readable.ProposeOutput), ProposeJson.Serialize(output));
    }
}
