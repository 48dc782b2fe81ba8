using System;
using System.Buffers.Binary;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// The broker's wire format: each message is a 4-byte big-endian length, then that many bytes of
/// UTF-8 JSON. A connection carries one request and its reply. While a wait that asked for them
/// lasts, the broker also sends heartbeats: a length of zero and no body.
/// </summary>
internal static class BrokerFrames
{
    /// <summary>
    /// The largest frame either side accepts: a proposal's file and current file (1 MiB each) and its
    /// justification, JSON-escaped at worst six bytes per byte, fit with room to spare.
    /// </summary>
    public const int MaxFrameBytes = 16 * 1024 * 1024;

    /// <summary>For readers that do not bound how many bodies are in memory at once.</summary>
    private static readonly Func<int, CancellationToken, ValueTask<IDisposable?>> NoReservation = static (_, _) => ValueTask.FromResult<IDisposable?>(null);

    public static void Write(Stream stream, ReadOnlySpan<byte> body)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        stream.Write(header);
        stream.Write(body);
        stream.Flush();
    }

    public static async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        byte[] header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, body.Length);
        await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="EndOfStreamException">The peer closed before a whole frame arrived.</exception>
    /// <exception cref="BrokerProtocolException">The length is zero or over <see cref="MaxFrameBytes"/>.</exception>
    public static byte[] Read(Stream stream)
    {
        Span<byte> header = stackalloc byte[4];
        stream.ReadExactly(header);
        byte[] body = new byte[CheckLength(header)];
        stream.ReadExactly(body);
        return body;
    }

    /// <inheritdoc cref="Read"/>
    public static Task<byte[]> ReadAsync(Stream stream, CancellationToken cancellationToken)
        => ReadAsync(stream, NoReservation, cancellationToken);

    /// <summary>Reads the reply to a wait, passing over the heartbeats that come before it.</summary>
    /// <inheritdoc cref="Read"/>
    public static async Task<byte[]> ReadAfterHeartbeatsAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] header = new byte[4];
        do
        {
            await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        }
        while (BinaryPrimitives.ReadUInt32BigEndian(header) == 0);

        return await ReadBodyAsync(stream, header, NoReservation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the broker sends a waiting client now and then: proof that both ends are still there.</summary>
    public static async Task WriteHeartbeatAsync(Stream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(new byte[4], cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one frame; once the header has declared the body's length, <paramref name="reserve"/>
    /// may hold the read back (and its result is disposed when the body is in), so a reader can
    /// bound how many large bodies are in memory at once.
    /// </summary>
    /// <inheritdoc cref="Read"/>
    public static async Task<byte[]> ReadAsync(Stream stream, Func<int, CancellationToken, ValueTask<IDisposable?>> reserve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reserve);
        byte[] header = new byte[4];
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        return await ReadBodyAsync(stream, header, reserve, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadBodyAsync(Stream stream, byte[] header, Func<int, CancellationToken, ValueTask<IDisposable?>> reserve, CancellationToken cancellationToken)
    {
        int length = CheckLength(header);
        using IDisposable? reservation = await reserve(length, cancellationToken).ConfigureAwait(false);

        // The buffer grows as bytes arrive, so a declared length costs memory only once it is sent.
        byte[] body = new byte[Math.Min(length, 64 * 1024)];
        int received = 0;
        while (received < length)
        {
            if (received == body.Length)
            {
                Array.Resize(ref body, (int)Math.Min(length, 2L * body.Length));
            }

            int read = await stream.ReadAsync(body.AsMemory(received), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException($"The peer closed after {received} of {length} bytes.");
            }

            received += read;
        }

        return body;
    }

    private static int CheckLength(ReadOnlySpan<byte> header)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        return length is 0 or > MaxFrameBytes
            ? throw new BrokerProtocolException($"A frame must hold 1 to {MaxFrameBytes} bytes of JSON; this one declared {length}.")
            : (int)length;
    }
}

/// <summary>A frame that breaks the wire format; the connection is answered with an error and closed.</summary>
internal sealed class BrokerProtocolException(string message) : Exception(message);

/// <summary>
/// The broker protocol's version. Every request and reply carries it as <c>v</c>; a peer that sends
/// another one (or none, as brokers and sidecars before versioning did) is told, in words, which
/// side to upgrade, instead of either side misreading the other.
/// </summary>
internal static class BrokerProtocol
{
    /// <summary>3: a wait may ask for heartbeats, and a client's half-close no longer ends it.</summary>
    public const int Version = 3;

    /// <summary>The error both sides give when their versions differ: which is older, and what to upgrade.</summary>
    public static string Mismatch(int brokerVersion, int sidecarVersion)
    {
        static string Name(int version) => version switch
        {
            1 => "broker protocol 1 (unversioned)",
            < 1 => "no valid broker protocol version",
            _ => "broker protocol " + version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        string upgrade = brokerVersion < sidecarVersion
            ? "the host's broker is older: upgrade bot-bottle-sidecar on the host (and restart its broker) to the sidecar's version"
            : "the sidecar is older: upgrade the sidecar's bot-bottle-sidecar to the host's version";
        return $"The host broker speaks {Name(brokerVersion)} and the sidecar speaks {Name(sidecarVersion)}: {upgrade}.";
    }

    /// <summary>A request's kind as its <c>op</c> names it on the wire (the <see cref="BrokerRequest"/> discriminators), or null for none.</summary>
    public static string? OpOf(BrokerRequest? request) => request switch
    {
        HelloRequest => "hello",
        ProposeRequest => "propose",
        ReadProposalRequest => "read_proposal",
        ConsumeRequest => "consume",
        WithdrawRequest => "withdraw",
        ReadFirstSeenRequest => "read_first_seen",
        HealthRequest => "health",
        _ => null,
    };

    /// <summary>Whether a request is a JSON object of the unversioned protocol 1 (it has no <c>v</c>).</summary>
    public static bool IsUnversioned(ReadOnlySpan<byte> message)
    {
        try
        {
            return VersionOf(message) == 1;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// An error in protocol 1's reply shape (<c>{"ok":false,"error_kind":N,"message":"…"}</c>), the only
    /// one a sidecar from before versioning can read, so it prints why instead of "malformed reply".
    /// </summary>
    public static byte[] UnversionedError(ErrorReply error)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", false);
            writer.WriteNumber("error_kind", (int)error.ErrorKind);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The protocol version a message says it speaks: its <c>v</c>, or 1 for the unversioned protocol before it.</summary>
    /// <exception cref="JsonException">The message is not a JSON object.</exception>
    public static int VersionOf(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A broker message must be a JSON object.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isVersion = reader.ValueTextEquals("v"u8);
            reader.Read();
            if (isVersion)
            {
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int version) ? version : -1;
            }

            reader.Skip();
        }

        return 1;
    }
}

/// <summary>
/// One request: its kind is <c>op</c>, and each kind is its own record, so a field that does not
/// belong to the kind, a missing required field, or an unknown kind is refused by the deserializer.
/// <see cref="Slug"/> is the slug the sidecar was started with: the broker refuses any but its own.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(HelloRequest), "hello")]
[JsonDerivedType(typeof(ProposeRequest), "propose")]
[JsonDerivedType(typeof(ReadProposalRequest), "read_proposal")]
[JsonDerivedType(typeof(ConsumeRequest), "consume")]
[JsonDerivedType(typeof(WithdrawRequest), "withdraw")]
[JsonDerivedType(typeof(ReadFirstSeenRequest), "read_first_seen")]
[JsonDerivedType(typeof(HealthRequest), "health")]
internal abstract record BrokerRequest
{
    [JsonPropertyName("v")]
    public required int Version { get; init; }

    public required string Slug { get; init; }
}

/// <summary>Does this broker serve my bottle?</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record HelloRequest : BrokerRequest;

/// <summary>A proposal draft; the broker adds its own slug, and the store the rest.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ProposeRequest : BrokerRequest
{
    public required string Tool { get; init; }

    public required string ProposedFile { get; init; }

    public required string Justification { get; init; }

    public string? CurrentFile { get; init; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ReadProposalRequest : BrokerRequest
{
    public required string ProposalId { get; init; }
}

/// <summary>
/// Wait up to <see cref="TimeoutMs"/> (-1: no limit) for the decision, and consume it. With
/// <see cref="HeartbeatMs"/> the broker writes a heartbeat that often while it waits: a relay's
/// idle timer never fires, and a client that left is noticed even through a relay that hides its
/// close behind a half-close.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ConsumeRequest : BrokerRequest
{
    public const long MinHeartbeatMs = 100;

    public const long MaxHeartbeatMs = 600_000;

    public required string ProposalId { get; init; }

    public required long TimeoutMs { get; init; }

    public long? HeartbeatMs { get; init; }
}

/// <summary>Take back an unanswered proposal (MCP tasks/cancel); a broker older than this answers that it does not know the kind.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record WithdrawRequest : BrokerRequest
{
    public required string ProposalId { get; init; }
}

/// <summary>When the operator first looked at a proposal of this bottle.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ReadFirstSeenRequest : BrokerRequest
{
    public required string ProposalId { get; init; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record HealthRequest : BrokerRequest;

/// <summary>One reply, of the kind its request asked for, or an error with the kind and message the direct store would have thrown.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "reply", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ErrorReply), "error")]
[JsonDerivedType(typeof(HelloReply), "hello")]
[JsonDerivedType(typeof(ProposeReply), "propose")]
[JsonDerivedType(typeof(ReadProposalReply), "read_proposal")]
[JsonDerivedType(typeof(ConsumeReply), "consume")]
[JsonDerivedType(typeof(WithdrawReply), "withdraw")]
[JsonDerivedType(typeof(ReadFirstSeenReply), "read_first_seen")]
[JsonDerivedType(typeof(HealthReply), "health")]
internal abstract record BrokerReply
{
    [JsonPropertyName("v")]
    public int Version { get; init; } = BrokerProtocol.Version;
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ErrorReply(StorageErrorKind ErrorKind, string Message) : BrokerReply;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record HelloReply(string Slug) : BrokerReply;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ProposeReply(Proposal Proposal, bool Joined) : BrokerReply;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ReadProposalReply(Proposal? Proposal) : BrokerReply;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ConsumeReply(Response? Response) : BrokerReply;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record WithdrawReply(Withdrawal Withdrawal) : BrokerReply;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ReadFirstSeenReply(DateTimeOffset? SeenAt) : BrokerReply;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record HealthReply(StorageHealth Health) : BrokerReply;

/// <summary>Source-generated JSON for the broker's messages, in the same snake_case shapes as the rest of the store.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    AllowOutOfOrderMetadataProperties = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(BrokerRequest))]
[JsonSerializable(typeof(BrokerReply))]
internal sealed partial class BrokerJsonContext : JsonSerializerContext;
