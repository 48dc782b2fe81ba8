using System;
using System.Buffers.Binary;
using System.IO;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// The broker's wire format: each message is a 4-byte big-endian length, then that many bytes of
/// UTF-8 JSON. A connection carries one request and its reply; a wait ends early when the client
/// closes its side.
/// </summary>
internal static class BrokerFrames
{
    /// <summary>
    /// The largest frame either side accepts: a proposal's file and current file (1 MiB each) and its
    /// justification, JSON-escaped at worst six bytes per byte, fit with room to spare.
    /// </summary>
    public const int MaxFrameBytes = 16 * 1024 * 1024;

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
        => ReadAsync(stream, static (_, _) => ValueTask.FromResult<IDisposable?>(null), cancellationToken);

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

/// <summary>The broker's operations; the names on the wire.</summary>
internal static class BrokerOps
{
    public const string Hello = "hello";
    public const string WriteOrJoin = "write_or_join";
    public const string ReadProposal = "read_proposal";
    public const string ReadResponse = "read_response";
    public const string WaitForResponse = "wait_for_response";
    public const string Archive = "archive";
    public const string Health = "health";
}

/// <summary>
/// One request. <see cref="Slug"/> is the slug the sidecar was started with; the broker refuses any
/// slug but its own, and it alone sets the slug, id and arrival time of a new proposal.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record BrokerRequest
{
    public string? Op { get; init; }

    public string? Slug { get; init; }

    public string? ProposalId { get; init; }

    public string? Tool { get; init; }

    public string? ProposedFile { get; init; }

    public string? Justification { get; init; }

    public string? CurrentFile { get; init; }

    /// <summary>wait_for_response: milliseconds to wait, -1 for no limit.</summary>
    public long? TimeoutMs { get; init; }
}

/// <summary>One reply: either <see cref="Ok"/> with the operation's result, or the error kind and message the direct store would have thrown.</summary>
internal sealed record BrokerReply
{
    public bool Ok { get; init; }

    /// <summary>A <see cref="Storage.Errors.StorageErrorKind"/> value when not <see cref="Ok"/>.</summary>
    public int? ErrorKind { get; init; }

    public string? Message { get; init; }

    /// <summary>hello: the bottle this broker serves.</summary>
    public string? Slug { get; init; }

    public Proposal? Proposal { get; init; }

    public Response? Response { get; init; }

    public bool Joined { get; init; }

    /// <summary>health: whether the broker's store can take writes.</summary>
    public Storage.Database.StorageHealth? Health { get; init; }
}

/// <summary>Source-generated JSON for the broker's messages, in the same snake_case shapes as the rest of the store.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BrokerRequest))]
[JsonSerializable(typeof(BrokerReply))]
internal sealed partial class BrokerJsonContext : JsonSerializerContext;
