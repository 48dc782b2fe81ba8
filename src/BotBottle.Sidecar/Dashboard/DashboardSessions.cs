using System;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace BotBottle.Sidecar.Dashboard;

/// <summary>
/// Who may use the dashboard: whoever opened the address it printed. That address holds a secret
/// that works once (as a Jupyter server's token does, but not reusable): exchanging it sets a session
/// cookie (HttpOnly, SameSite=Strict) and the secret is spent, so a URL that leaks later (a shell
/// history, a screen share) opens nothing. Each session has its own CSRF token, which every
/// state-changing request must carry in a header a cross-site page cannot set.
/// </summary>
internal sealed class DashboardSessions
{
    public const string CookieName = "bb_dashboard";

    /// <summary>Sessions alive at once: each browser that logged in holds one; more is someone trying.</summary>
    private const int MaxSessions = 64;

    private readonly ConcurrentDictionary<string, string> _csrfBySession = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private string? _secret = NewToken();

    /// <summary>The one-time secret for the printed address (null once it has been used).</summary>
    public string? Secret
    {
        get
        {
            lock (_gate)
            {
                return _secret;
            }
        }
    }

    /// <summary>A new one-time secret for a new address; the one before it stops working.</summary>
    public string Renew()
    {
        string secret = NewToken();
        lock (_gate)
        {
            _secret = secret;
        }

        return secret;
    }

    /// <summary>A new session for the holder of the one-time secret, or null (wrong or spent secret).</summary>
    public string? Exchange(string? offered)
    {
        lock (_gate)
        {
            if (_secret is null || offered is null || !FixedTimeEquals(offered, _secret) || _csrfBySession.Count >= MaxSessions)
            {
                return null;
            }

            _secret = null;
        }

        string session = NewToken();
        _csrfBySession[session] = NewToken();
        return session;
    }

    /// <summary>The CSRF token of <paramref name="session"/>, or null when it is no session of ours.</summary>
    public string? CsrfFor(string? session)
        => session is not null && _csrfBySession.TryGetValue(session, out string? csrf) ? csrf : null;

    public static bool FixedTimeEquals(string a, string b)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
