using System;
using System.Buffers;
using System.IO;
using System.Text.Json;

namespace BotBottle.Sidecar.Logging;

/// <summary>
/// One JSON object per line on stderr, for each request and each decision. Carries ids, names,
/// statuses and timings, never file contents or justifications (they are the agent's data).
/// </summary>
internal sealed class JsonLog : IDisposable
{
    private static readonly object Gate = new();
    private static readonly Stream StandardError = Console.OpenStandardError();

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;

    private JsonLog(string eventName)
    {
        _writer = new Utf8JsonWriter(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString("ts", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        _writer.WriteString("event", eventName);
    }

    public static JsonLog Event(string name) => new(name);

    public JsonLog Add(string name, string? value)
    {
        if (value is not null)
        {
            _writer.WriteString(name, value);
        }

        return this;
    }

    public JsonLog Add(string name, long? value)
    {
        if (value is { } number)
        {
            _writer.WriteNumber(name, number);
        }

        return this;
    }

    public JsonLog Add(string name, bool value)
    {
        _writer.WriteBoolean(name, value);
        return this;
    }

    /// <summary>Closes the object and writes it as one line.</summary>
    public void Write()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        lock (Gate)
        {
            StandardError.Write(_buffer.WrittenSpan);
            StandardError.WriteByte((byte)'\n');
            StandardError.Flush();
        }

        Dispose();
    }

    public void Dispose() => _writer.Dispose();
}
