using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Mcp;

/// <summary>
/// The SSE response body, shared by the MCP transport (which writes events) and the wait loop
/// (which writes <c>: comment</c> lines so idle proxies and clients see traffic). Writes are
/// serialised, and a comment is written only between two events, never inside one.
/// </summary>
internal sealed class SseKeepAliveStream(Stream inner) : Stream
{
    private static readonly byte[] CommentPrefix = ": "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte _beforeLast = (byte)'\n';
    private byte _last = (byte)'\n';
    private volatile bool _sealed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Drops every later write: the client cancelled the request (notifications/cancelled), and a
    /// cancelled request gets no response, whatever the handler does as it unwinds.
    /// </summary>
    public void Seal() => _sealed = true;

    /// <summary>Writes an SSE comment if no event is half-written; returns whether it did.</summary>
    public async Task<bool> TryWriteCommentAsync(string text, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sealed || _beforeLast != '\n' || _last != '\n')
            {
                return false;
            }

            await inner.WriteAsync(CommentPrefix, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(EventEnd, cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes one complete SSE "message" event carrying <paramref name="json"/>, between events.</summary>
    public async Task<bool> TryWriteEventAsync(string json, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sealed || _beforeLast != '\n' || _last != '\n')
            {
                return false;
            }

            byte[] frame = System.Text.Encoding.UTF8.GetBytes("event: message\ndata: " + json + "\n\n");
            await inner.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            Track(frame);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_sealed)
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                Track(buffer.Span);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        _gate.Wait();
        try
        {
            if (!_sealed)
            {
                inner.Write(buffer, offset, count);
                Track(buffer.AsSpan(offset, count));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Track(ReadOnlySpan<byte> written)
    {
        if (written.Length >= 2)
        {
            _beforeLast = written[^2];
            _last = written[^1];
        }
        else if (written.Length == 1)
        {
            _beforeLast = _last;
            _last = written[0];
        }
    }
}
