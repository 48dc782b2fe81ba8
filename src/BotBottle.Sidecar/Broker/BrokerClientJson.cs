using System;
using System.Buffers;
using System.Text.Json;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// The sidecar's side of the broker's JSON, written and read field by field. The broker parses and
/// writes the same shapes through the generated contract (<see cref="BrokerJsonContext"/>), as
/// strictly as ever; the client codes them by hand because the serializer and its metadata are
/// half a megabyte that bot-bottle-propose would otherwise carry. Unit tests hold the two equal for
/// every request and reply kind. The reader is as strict as the contract: an unknown, duplicate or
/// missing member, or a value of the wrong type, makes the reply one this client does not understand.
/// </summary>
internal static class BrokerClientJson
{
    public static byte[] Write(BrokerRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("op"u8, BrokerProtocol.OpOf(request) ?? throw new ArgumentException("Not a broker request kind: " + request.GetType().Name, nameof(request)));
            writer.WriteNumber("v"u8, request.Version);
            writer.WriteString("slug"u8, request.Slug);
            switch (request)
            {
                case ProposeRequest propose:
                    writer.WriteString("tool"u8, propose.Tool);
                    writer.WriteString("proposed_file"u8, propose.ProposedFile);
                    writer.WriteString("justification"u8, propose.Justification);
                    writer.WriteString("current_file"u8, propose.CurrentFile);
                    break;
                case ConsumeRequest consume:
                    writer.WriteString("proposal_id"u8, consume.ProposalId);
                    writer.WriteNumber("timeout_ms"u8, consume.TimeoutMs);
                    if (consume.HeartbeatMs is { } heartbeat)
                    {
                        writer.WriteNumber("heartbeat_ms"u8, heartbeat);
                    }

                    break;
                case ReadProposalRequest read:
                    writer.WriteString("proposal_id"u8, read.ProposalId);
                    break;
                case WithdrawRequest withdraw:
                    writer.WriteString("proposal_id"u8, withdraw.ProposalId);
                    break;
                case ReadFirstSeenRequest firstSeen:
                    writer.WriteString("proposal_id"u8, firstSeen.ProposalId);
                    break;
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The reply in <paramref name="body"/>, or null when it is not one this client understands.</summary>
    public static BrokerReply? ReadReply(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            reader.Read();
            BrokerReply? reply = ReadReply(ref reader);
            return reader.Read() ? null : reply;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static BrokerReply? ReadReply(ref Utf8JsonReader reader)
    {
        var members = new Members(ref reader);
        string? kind = null, slug = null, message = null;
        int version = 0;
        bool joined = false;
        StorageErrorKind errorKind = default;
        Proposal? proposal = null;
        Response? response = null;
        DateTimeOffset? seenAt = null;
        Withdrawal? withdrawal = null;
        StorageHealth? health = null;
        while (members.Next(ref reader) is { } name)
        {
            switch (name)
            {
                case "reply": kind = Text(ref reader); break;
                case "v": version = reader.GetInt32(); break;
                case "slug": slug = Text(ref reader); break;
                case "message": message = Text(ref reader); break;
                case "error_kind": errorKind = Named<StorageErrorKind>(ref reader); break;
                case "joined": joined = reader.GetBoolean(); break;
                case "proposal": proposal = reader.TokenType == JsonTokenType.Null ? null : ReadProposal(ref reader); break;
                case "response": response = reader.TokenType == JsonTokenType.Null ? null : ReadResponse(ref reader); break;
                case "seen_at": seenAt = reader.TokenType == JsonTokenType.Null ? null : reader.GetDateTimeOffset(); break;
                case "withdrawal": withdrawal = ReadWithdrawal(ref reader); break;
                case "health": health = ReadHealth(ref reader); break;
                default: return null;
            }
        }

        // Each kind has exactly its own members, as the contract's records do.
        return kind switch
        {
            "error" when members.Are("reply", "v", "error_kind", "message") => new ErrorReply(errorKind, message!) { Version = version },
            "hello" when members.Are("reply", "v", "slug") => new HelloReply(slug!) { Version = version },
            "propose" when members.Are("reply", "v", "proposal", "joined") && proposal is not null => new ProposeReply(proposal, joined) { Version = version },
            "read_proposal" when members.Are("reply", "v", "proposal") => new ReadProposalReply(proposal) { Version = version },
            "consume" when members.Are("reply", "v", "response") => new ConsumeReply(response) { Version = version },
            "withdraw" when members.Are("reply", "v", "withdrawal") => new WithdrawReply(withdrawal!) { Version = version },
            "read_first_seen" when members.Are("reply", "v", "seen_at") => new ReadFirstSeenReply(seenAt) { Version = version },
            "health" when members.Are("reply", "v", "health") => new HealthReply(health!) { Version = version },
            _ => null,
        };
    }

    private static Proposal ReadProposal(ref Utf8JsonReader reader)
    {
        var members = new Members(ref reader);
        string? id = null, bottleSlug = null, tool = null, proposedFile = null, justification = null, currentFileHash = null, currentFile = null;
        DateTimeOffset arrival = default;
        bool archived = false;
        while (members.Next(ref reader) is { } name)
        {
            switch (name)
            {
                case "id": id = Text(ref reader); break;
                case "bottle_slug": bottleSlug = Text(ref reader); break;
                case "tool": tool = Text(ref reader); break;
                case "proposed_file": proposedFile = Text(ref reader); break;
                case "justification": justification = Text(ref reader); break;
                case "arrival_timestamp": arrival = reader.GetDateTimeOffset(); break;
                case "current_file_hash": currentFileHash = reader.GetString(); break;
                case "archived": archived = reader.GetBoolean(); break;
                case "current_file": currentFile = reader.GetString(); break;
                default: throw new JsonException("An unknown member of a proposal: " + name);
            }
        }

        members.Require("id", "bottle_slug", "tool", "proposed_file", "justification", "arrival_timestamp", "current_file_hash", "archived");
        return new Proposal(id!, bottleSlug!, tool!, proposedFile!, justification!, arrival, currentFileHash, archived, currentFile);
    }

    private static Response ReadResponse(ref Utf8JsonReader reader)
    {
        var members = new Members(ref reader);
        string? proposalId = null, notes = null, finalFile = null;
        ResponseStatus status = default;
        bool archived = false;
        while (members.Next(ref reader) is { } name)
        {
            switch (name)
            {
                case "proposal_id": proposalId = Text(ref reader); break;
                case "status": status = ResponseStatusSqliteText.TryParse(Text(ref reader), out ResponseStatus parsed) ? parsed : throw new JsonException("Not a response status."); break;
                case "notes": notes = Text(ref reader); break;
                case "final_file": finalFile = reader.GetString(); break;
                case "archived": archived = reader.GetBoolean(); break;
                default: throw new JsonException("An unknown member of a response: " + name);
            }
        }

        members.Require("proposal_id", "status", "notes", "final_file", "archived");
        return new Response(proposalId!, status, notes!, finalFile, archived);
    }

    private static Withdrawal ReadWithdrawal(ref Utf8JsonReader reader)
    {
        var members = new Members(ref reader);
        string? proposalId = null, reason = null;
        DateTimeOffset withdrawnAt = default;
        long auditId = 0;
        while (members.Next(ref reader) is { } name)
        {
            switch (name)
            {
                case "proposal_id": proposalId = Text(ref reader); break;
                case "withdrawn_at": withdrawnAt = reader.GetDateTimeOffset(); break;
                case "reason": reason = Text(ref reader); break;
                case "audit_id": auditId = reader.GetInt64(); break;
                default: throw new JsonException("An unknown member of a withdrawal: " + name);
            }
        }

        members.Require("proposal_id", "withdrawn_at", "reason", "audit_id");
        return new Withdrawal(proposalId!, withdrawnAt, reason!, auditId);
    }

    private static StorageHealth ReadHealth(ref Utf8JsonReader reader)
    {
        var members = new Members(ref reader);
        bool ok = false;
        StorageErrorKind? kind = null;
        string? problem = null;
        while (members.Next(ref reader) is { } name)
        {
            switch (name)
            {
                case "ok": ok = reader.GetBoolean(); break;
                case "kind": kind = reader.TokenType == JsonTokenType.Null ? null : Named<StorageErrorKind>(ref reader); break;
                case "problem": problem = Text(ref reader); break;
                default: throw new JsonException("An unknown member of a health report: " + name);
            }
        }

        members.Require("ok", "kind", "problem");
        return new StorageHealth(ok, kind, problem!);
    }

    /// <summary>A string that may not be null.</summary>
    private static string Text(ref Utf8JsonReader reader)
        => reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("Expected a string.");

    /// <summary>An enum member by its name, as the contract's string enum converter writes it; never a number. (ResponseStatus is the exception: its JSON is its stored lower-case text.)</summary>
    private static T Named<T>(ref Utf8JsonReader reader)
        where T : struct, Enum
    {
        string text = Text(ref reader);
        return text.Length > 0 && char.IsAsciiLetter(text[0]) && Enum.TryParse(text, ignoreCase: false, out T value) && Enum.IsDefined(value)
            ? value
            : throw new JsonException($"Not a {typeof(T).Name}: {text}");
    }

    /// <summary>The members of one JSON object, each allowed once, read in whatever order they come.</summary>
    private sealed class Members
    {
        private readonly System.Collections.Generic.HashSet<string> _seen = new(StringComparer.Ordinal);

        public Members(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("Expected an object.");
            }
        }

        /// <summary>The next member's name, with the reader on its value; null at the end of the object.</summary>
        public string? Next(ref Utf8JsonReader reader)
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.EndObject)
            {
                return null;
            }

            string name = reader.GetString()!;
            if (!_seen.Add(name))
            {
                throw new JsonException("A member given twice: " + name);
            }

            reader.Read();
            return name;
        }

        /// <summary>Exactly <paramref name="names"/> were given.</summary>
        public bool Are(params string[] names)
            => _seen.Count == names.Length && Array.TrueForAll(names, _seen.Contains);

        /// <summary>Every one of <paramref name="names"/> was given (the reader refused any other).</summary>
        public void Require(params string[] names)
        {
            if (!Array.TrueForAll(names, _seen.Contains))
            {
                throw new JsonException("Members missing: " + string.Join(", ", Array.FindAll(names, name => !_seen.Contains(name))));
            }
        }
    }
}
