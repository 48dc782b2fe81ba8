using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// <c>healthcheck</c>: GET /healthz of a running serve. The image's HEALTHCHECK runs this, so the
/// runtime image needs no shell and no curl.
/// </summary>
internal static class HealthcheckCommand
{
    public static Command Build(CliContext cli)
    {
        var url = new Option<string>("--url") { Description = "The health endpoint to probe.", DefaultValueFactory = static _ => "http://127.0.0.1:9100/healthz", HelpName = "URL" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the answer.", DefaultValueFactory = static _ => 3, HelpName = "SECONDS" };
        var command = new Command("healthcheck", "Probe a running serve's /healthz; exit 0 when it answers 200 (the sidecar can read and write its queue and the disk is above the host's reserve), 1 otherwise, printing why.") { url, timeout };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out Uri? target) || parse.GetValue(timeout) is <= 0 or > 60)
            {
                return cli.Fail(ExitCodes.Usage, "--url must be an absolute URL and --timeout between 0 and 60 seconds.");
            }

            try
            {
                (int status, string body) = await GetAsync(target, TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken).ConfigureAwait(false);
                // What answered may not be serve: its words are shown, never obeyed by the terminal.
                cli.Output.Write(Storage.Text.AgentText.Visible(body));
                return status == 200 ? ExitCodes.Success : cli.Fail(ExitCodes.Internal, $"{target} answered {status}.");
            }
            catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException or FormatException)
            {
                return cli.Fail(ExitCodes.Internal, $"{target} did not answer: {exception.Message}");
            }
        });
        return command;
    }

    /// <summary>
    /// One plain HTTP/1.1 GET. The probe only ever talks to serve on plain HTTP; HttpClient would
    /// add 3 MB of TLS and HTTP/2 code to every sidecar image for this.
    /// </summary>
    private static async Task<(int Status, string Body)> GetAsync(Uri target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (target.Scheme != Uri.UriSchemeHttp)
        {
            throw new FormatException("only http:// URLs are supported");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(target.Host, target.Port, deadline.Token).ConfigureAwait(false);
        await using NetworkStream stream = client.GetStream();
        byte[] request = Encoding.ASCII.GetBytes($"GET {target.PathAndQuery} HTTP/1.1\r\nHost: {target.Authority}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(request, deadline.Token).ConfigureAwait(false);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, deadline.Token).ConfigureAwait(false);
        byte[] response = received.ToArray();
        int headerEnd = response.AsSpan().IndexOf("\r\n\r\n"u8);
        string head = Encoding.ASCII.GetString(response, 0, headerEnd < 0 ? response.Length : headerEnd);
        string[] statusLine = head.Split("\r\n", 2)[0].Split(' ');
        int status = statusLine.Length >= 2 && int.TryParse(statusLine[1], System.Globalization.CultureInfo.InvariantCulture, out int code) ? code : throw new FormatException("not an HTTP response");
        ReadOnlySpan<byte> body = headerEnd < 0 ? [] : response.AsSpan(headerEnd + 4);
        bool chunked = head.Split("\r\n").Any(static h => h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && h.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        return (status, Encoding.UTF8.GetString(chunked ? Dechunk(body) : body.ToArray()));
    }

    /// <summary>The body of a chunked response: each chunk's bytes without its size line (a malformed one ends the body).</summary>
    private static byte[] Dechunk(ReadOnlySpan<byte> chunked)
    {
        var body = new MemoryStream();
        while (true)
        {
            int lineEnd = chunked.IndexOf("\r\n"u8);
            string sizeText = lineEnd < 0 ? string.Empty : Encoding.ASCII.GetString(chunked[..lineEnd]).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out int size)
                || size <= 0 || lineEnd + 2 + size > chunked.Length)
            {
                return body.ToArray();
            }

            body.Write(chunked.Slice(lineEnd + 2, size));
            chunked = chunked[Math.Min(chunked.Length, lineEnd + 2 + size + 2)..];
        }
    }
}
