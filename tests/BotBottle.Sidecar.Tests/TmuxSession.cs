using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// A program in a real terminal, driven the way a person drives it: tmux (on a private server, so
/// tests never touch each other's sessions or a user's) types keys and reads the screen back.
/// </summary>
public sealed class TmuxSession : IDisposable
{
    // The test runner's own color and editor settings must not decide what a test sees.
    private static readonly string[] CleanEnvironment = ["env", "-u", "NO_COLOR", "-u", "VISUAL", "-u", "EDITOR"];

    private readonly string _server = "bb-test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Starts <paramref name="arguments"/> in a 160×50 terminal with <paramref name="environment"/> set; NO_COLOR is unset unless given.</summary>
    public TmuxSession(string[] arguments, params (string Name, string Value)[] environment)
    {
        string command = string.Join(' ', CleanEnvironment
            .Concat(environment.Select(static e => $"{e.Name}={e.Value}"))
            .Concat(arguments)
            .Select(Quote));

        // The pane stays after the program exits, so its last words can still be read.
        Tmux("new-session", "-d", "-x", "160", "-y", "50", "-s", "main", command + "; echo '[exited '$?']'; sleep 600");
    }

    /// <summary>Everything the program has written, scrollback included; <paramref name="withEscapes"/> keeps colors as SGR sequences.</summary>
    public string Screen(bool withEscapes = false)
        => Tmux(withEscapes ? ["capture-pane", "-p", "-e", "-J", "-S", "-", "-t", "main"] : ["capture-pane", "-p", "-J", "-S", "-", "-t", "main"]);

    /// <summary>Waits until the screen holds <paramref name="text"/> (as often as <paramref name="times"/>) and returns the screen.</summary>
    public async Task<string> WaitForAsync(string text, int times = 1, int seconds = 30)
    {
        var clock = Stopwatch.StartNew();
        string screen;
        do
        {
            screen = Screen();
            if (Occurrences(screen, text) >= times)
            {
                return screen;
            }

            await Task.Delay(100);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds * SidecarBinary.Patience));

        Assert.Fail($"the terminal never showed '{text}' ({times}×) within {seconds * SidecarBinary.Patience} s; it shows:\n{screen}");
        return screen;
    }

    public static int Occurrences(string screen, string text)
    {
        int count = 0;
        for (int at = screen.IndexOf(text, StringComparison.Ordinal); at >= 0; at = screen.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Types <paramref name="line"/> literally, then Enter.</summary>
    public void TypeLine(string line)
    {
        if (line.Length > 0)
        {
            Tmux("send-keys", "-t", "main", "-l", line);
        }

        Tmux("send-keys", "-t", "main", "Enter");
    }

    /// <summary>Presses a key by its tmux name, for example C-c.</summary>
    public void Press(string key) => Tmux("send-keys", "-t", "main", key);

    public void Dispose()
    {
        try
        {
            Tmux("kill-server");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private string Tmux(params string[] arguments)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_server);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process tmux = Process.Start(start) ?? throw new InvalidOperationException("could not start tmux");
        Task<string> error = tmux.StandardError.ReadToEndAsync();
        string output = tmux.StandardOutput.ReadToEnd();
        tmux.WaitForExit();
        if (tmux.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', arguments)} exited with {tmux.ExitCode}: {error.Result}");
        }

        return output;
    }
}
