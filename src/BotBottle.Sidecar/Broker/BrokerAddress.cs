using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// Where the host broker listens, as the sidecar names it: <c>unix:PATH</c> (or a bare path) for a
/// socket file, <c>tcp://HOST:PORT</c> for runtimes that reach the host only over TCP (Docker
/// Desktop's <c>host.docker.internal</c>). TCP always goes with a token.
/// </summary>
internal sealed record BrokerAddress(AddressFamily Family, string Path, string Host, int Port)
{
    public bool IsTcp => Family != AddressFamily.Unix;

    public static BrokerAddress Unix(string path) => new(AddressFamily.Unix, path, string.Empty, 0);

    /// <exception cref="FormatException">Not unix:PATH, tcp://HOST:PORT or a path.</exception>
    public static BrokerAddress Parse(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = text["unix:".Length..];
            return path.Length > 0 ? Unix(path) : throw new FormatException("unix: needs a socket path, as in unix:/run/supervise/bot-bottle.sock.");
        }

        if (text.StartsWith("tcp://", StringComparison.Ordinal))
        {
            string rest = text["tcp://".Length..].TrimEnd('/');
            int colon = rest.LastIndexOf(':');
            string host = colon > 0 ? rest[..colon].Trim('[', ']') : string.Empty;
            if (host.Length == 0 || !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 0 or > 65535)
            {
                throw new FormatException($"'{text}' is not tcp://HOST:PORT (for example tcp://127.0.0.1:7070 or tcp://host.docker.internal:7070).");
            }

            return new BrokerAddress(IPAddress.TryParse(host, out IPAddress? ip) ? ip.AddressFamily : AddressFamily.InterNetwork, string.Empty, host, port);
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}': the broker is reached by unix:PATH or tcp://HOST:PORT.");
        }

        return Unix(text);
    }

    public EndPoint EndPoint => IsTcp
        ? IPAddress.TryParse(Host, out IPAddress? ip) ? new IPEndPoint(ip, Port) : new DnsEndPoint(Host, Port)
        : new UnixDomainSocketEndPoint(Path);

    public override string ToString() => IsTcp ? $"tcp://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}" : "unix:" + Path;
}
