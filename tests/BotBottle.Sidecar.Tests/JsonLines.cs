using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Tests;

/// <summary>A child process's JSON log as the test reads it.</summary>
public static class JsonLines
{
    /// <summary>
    /// Whether <paramref name="count"/> lines matching <paramref name="predicate"/> show up within <paramref name="timeout"/>.
    /// A process may write a line after the reply that prompted the check (serve answers the client,
    /// then logs), and its stderr reaches the test through a pump: looking once would race both.
    /// </summary>
    public static async Task<bool> WaitForAsync(Func<JsonNode[]> log, Func<JsonNode, bool> predicate, TimeSpan timeout, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (log().Count(predicate) >= count)
            {
                return true;
            }

            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
