using System;
using System.Diagnostics;
using System.Threading;

namespace BotBottle.Sidecar.Logging;

/// <summary>
/// Counts connections a listener closed before they did anything (made room for another, never
/// sent a request, refused) and logs them as one "connections" line now and then, not one per
/// connection: a flood of thousands a second must neither fill the log's disk nor spend the CPU
/// that real clients need. The first such connection is logged at once, so an operator sees a
/// flood begin; every later one within <see cref="Interval"/> of the last line.
/// </summary>
internal sealed class FloodSummary : IDisposable
{
    /// <summary>How often, at most, a summary line is written.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly string _listener;
    private readonly string _note;
    private readonly Lock _lock = new();
    private readonly Timer _flush;
    private long _evicted;
    private long _refused;
    private long _noRequest;
    private long _lastLine = Stopwatch.GetTimestamp() - (long)(Interval.TotalSeconds * Stopwatch.Frequency);
    private bool _flushPending;

    public FloodSummary(string listener, string note)
    {
        _listener = listener;
        _note = note;
        _flush = new Timer(static state => ((FloodSummary)state!).Flush(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Closed to make room for a newer connection.</summary>
    public void Evicted() => Count(ref _evicted);

    /// <summary>Closed at once: no slot could be made for it.</summary>
    public void Refused() => Count(ref _refused);

    /// <summary>Closed because it sent no request (or no token) in time.</summary>
    public void NoRequest() => Count(ref _noRequest);

    public void Dispose()
    {
        _flush.Dispose();
        Flush();
    }

    private void Count(ref long counter)
    {
        Interlocked.Increment(ref counter);
        lock (_lock)
        {
            if (_flushPending)
            {
                return;
            }

            TimeSpan since = Stopwatch.GetElapsedTime(_lastLine);
            _flushPending = true;
            _flush.Change(since >= Interval ? TimeSpan.Zero : Interval - since, Timeout.InfiniteTimeSpan);
        }
    }

    private void Flush()
    {
        lock (_lock)
        {
            _flushPending = false;
            _lastLine = Stopwatch.GetTimestamp();
        }

        long evicted = Interlocked.Exchange(ref _evicted, 0), refused = Interlocked.Exchange(ref _refused, 0), noRequest = Interlocked.Exchange(ref _noRequest, 0);
        if (evicted + refused + noRequest == 0)
        {
            return;
        }

        JsonLog.Event("connections")
            .Add("listener", _listener)
            .Add("evicted", evicted)
            .Add("refused", refused)
            .Add("no_request", noRequest)
            .Add("note", _note)
            .Write();
    }
}
