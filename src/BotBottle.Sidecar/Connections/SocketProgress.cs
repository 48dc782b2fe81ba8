using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace BotBottle.Sidecar.Connections;

/// <summary>
/// How many bytes a client has sent on a TCP connection, whether or not the server has read them
/// yet. Listeners under a flood rank connections by it: a real client sends its request at once,
/// a flood sends nothing, and the server's own reader (a thread-pool hop away under load) must not
/// be what decides whether a real request counts as sent.
/// </summary>
internal static class SocketProgress
{
    // Linux's TCP_INFO (IPPROTO_TCP 6, option 11): tcpi_bytes_received (RFC 4898's
    // ThruOctetsReceived) is a 64-bit count at offset 128, present since Linux 4.1.
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;
    private const int BytesReceivedOffset = 128;

    /// <summary>Bytes received on <paramref name="socket"/> so far; 0 when the socket is gone.</summary>
    public static int BytesReceived(Socket socket)
    {
        try
        {
            if (OperatingSystem.IsLinux() && socket.ProtocolType == ProtocolType.Tcp)
            {
                Span<byte> info = stackalloc byte[256];
                int length = socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
                if (length >= BytesReceivedOffset + sizeof(ulong))
                {
                    ulong received = MemoryMarshal.Read<ulong>(info[BytesReceivedOffset..]);
                    return (int)Math.Min(received, int.MaxValue);
                }
            }

            // Elsewhere (macOS) only what waits unread is known; what was read is counted by the reader.
            return socket.Available;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }
}
