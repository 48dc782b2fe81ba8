using System.Buffers;
using System.Text;
using System.Text.Json;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// propose's two JSON outputs written field by field, byte for byte what the source-generated
/// serializer with <see cref="SidecarJson.Readable"/> writes (a unit test holds them equal): the
/// serializer and its metadata are most of a megabyte that bot-bottle-propose would carry for two
/// small objects.
/// </summary>
internal static class ProposeJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = TerminalSafeJsonEncoder.Instance };

    public static string Serialize(ProposeOutput output)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("proposal_id"u8, output.ProposalId);
            writer.WriteBoolean("joined"u8, output.Joined);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Serialize(ToolResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (result.FinalFile?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("status"u8, result.Status);
            writer.WriteString("notes"u8, result.Notes);
            writer.WriteString("final_file"u8, result.FinalFile);
            writer.WriteString("proposal_id"u8, result.ProposalId);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
