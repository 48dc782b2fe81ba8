using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary><c>healthcheck</c> against an HTTP peer of the test's own, answering as serve's Kestrel does.</summary>
public sealed class HealthcheckTests
{
    /// <summary>Answers one connection with <paramref name="response"/> and closes.</summary>
    private static async Task<(CommandResult Result, string Request)> ProbeAsync(string response)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task<string> answer = Task.Run(async () =>
        {
            using TcpClient peer = await listener.AcceptTcpClientAsync();
            NetworkStream stream = peer.GetStream();
            byte[] buffer = new byte[4096];
            int read = await stream.ReadAsync(buffer);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
            return Encoding.ASCII.GetString(buffer, 0, read);
        });
        CommandResult result = await Task.Run(() => SidecarBinary.Run("healthcheck", "--url", $"http://127.0.0.1:{port}/healthz"));
        return (result, await answer);
    }

    [Fact]
    public async Task A_chunked_answer_is_printed_as_its_body_not_its_chunk_sizes()
    {
        (CommandResult result, string request) = await ProbeAsync(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "b\r\nunhealthy: \r\n" + "a\r\ndisk_full\n\r\n" + "0\r\n\r\n");

        Assert.StartsWith("GET /healthz HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("unhealthy: disk_full\n", result.Output);
        Assert.Contains("answered 503", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_a_stranger_answers_is_shown_never_obeyed()
    {
        (CommandResult result, _) = await ProbeAsync("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nok\u001b[2J\u001b]0;x");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain('\u001b', result.Output);
        Assert.StartsWith("ok\\x1b[2J", result.Output, StringComparison.Ordinal);
    }
}
