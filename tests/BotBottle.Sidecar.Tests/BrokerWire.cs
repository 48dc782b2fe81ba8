using System;
using System.Buffers.Binary;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>The broker's wire format spoken by hand: for requests no well-behaved client would send.</summary>
public static class BrokerWire
{
    public static byte[] Header(uint length)
    {
        byte[] header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        return header;
    }

    public static byte[] Frame(string json) => Frame(Encoding.UTF8.GetBytes(json));

    public static byte[] Frame(byte[] body) => [.. Header((uint)body.Length), .. body];

    /// <summary>Sends one connection's bytes, half-closes, and reads the reply (null when the broker closed without one).</summary>
    public static async Task<JsonNode?> SendAsync(string socketPath, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await stream.WriteAsync(bytes, limit.Token);
        }
        catch (IOException)
        {
            // The broker refused the header and closed before the body was written.
        }

        socket.Shutdown(SocketShutdown.Send);
        byte[] header = new byte[4];
        try
        {
            await stream.ReadExactlyAsync(header, limit.Token);
        }
        catch (EndOfStreamException)
        {
            return null;
        }

        byte[] body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        await stream.ReadExactlyAsync(body, limit.Token);
        return JsonNode.Parse(body);
    }
}
