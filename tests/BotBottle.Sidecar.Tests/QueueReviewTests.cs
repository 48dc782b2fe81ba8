using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The operator at a terminal: <c>queue review</c>, the live <c>queue watch</c> and colored diffs,
/// typed and read through tmux, against the published binary.
/// </summary>
public sealed class QueueReviewTests : IDisposable
{
    private const string Current = "a.example\nb.example\n";
    private const string Proposed = "a.example\nb.example\nc.example\n";

    // What the operator's editor makes of the proposed file (a script, so the test knows the result).
    private const string Edited = "a.example\nb.example\nd.example\n";

    private readonly TestHome _reviewed = new TestHome().Migrated();
    private readonly TestHome _oneShot = new TestHome().Migrated();

    public void Dispose()
    {
        _reviewed.Dispose();
        _oneShot.Dispose();
    }

    private static string Propose(TestHome home, string slug, string justification)
    {
        string current = Path.Combine(home.Root, "current"), proposed = Path.Combine(home.Root, "proposed");
        File.WriteAllText(current, Current);
        File.WriteAllText(proposed, Proposed);
        CommandResult result = SidecarBinary.Run("--db", home.DbPath, "propose", "--slug", slug, "--tool", "pipelock-block", "--justification", justification, "--file", proposed, "--current", current);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Trim();
    }

    private static string EditorScript(TestHome home)
    {
        string editor = Path.Combine(home.Root, "editor.sh");
        File.WriteAllText(editor, "#!/bin/sh\nsed -i 's/^c\\.example$/d.example/' \"$1\"\n");
        File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return editor;
    }

    private static TmuxSession Review(TestHome home, params (string, string)[] environment)
        => new([SidecarBinary.Path, "--db", home.DbPath, "queue", "review"], environment);

    [Fact]
    public async Task Review_approves_modifies_and_rejects_under_tmux_leaving_the_same_rows_and_audit_entries_as_the_one_shot_commands()
    {
        string[] slugs = ["bottle-1", "bottle-2", "bottle-3"];
        string[] reviewed = slugs.Select(s => Propose(_reviewed, s, "needs c for " + s)).ToArray();
        string[] oneShot = slugs.Select(s => Propose(_oneShot, s, "needs c for " + s)).ToArray();

        using (TmuxSession terminal = Review(_reviewed, ("EDITOR", EditorScript(_reviewed))))
        {
            await terminal.WaitForAsync("1 of 3 pending");
            Assert.Contains("+c.example", await terminal.WaitForAsync("[q]uit:"), StringComparison.Ordinal);
            terminal.TypeLine("a");
            await terminal.WaitForAsync("Notes for the agent (optional):");
            terminal.TypeLine("fine by me");
            await terminal.WaitForAsync("approved " + reviewed[0]);

            await terminal.WaitForAsync("[q]uit:", times: 2);
            terminal.TypeLine("m");
            string screen = await terminal.WaitForAsync("what you changed and why");
            Assert.Contains("+d.example", screen, StringComparison.Ordinal);
            terminal.TypeLine("d instead of c");
            await terminal.WaitForAsync("modified " + reviewed[1]);

            await terminal.WaitForAsync("[q]uit:", times: 3);
            terminal.TypeLine("r");
            await terminal.WaitForAsync("Why?");
            terminal.TypeLine("not this one");
            await terminal.WaitForAsync("rejected " + reviewed[2]);

            await terminal.WaitForAsync("No more pending proposals");
            terminal.TypeLine("q");
            await terminal.WaitForAsync("Review ended: 1 approved, 1 modified, 1 rejected, 0 skipped.");
            await terminal.WaitForAsync("[exited 0]");
        }

        string editedFile = Path.Combine(_oneShot.Root, "edited");
        File.WriteAllText(editedFile, Edited);
        Assert.Equal(0, _oneShot.Host("queue", "approve", oneShot[0], "--notes", "fine by me").ExitCode);
        Assert.Equal(0, _oneShot.Host("queue", "modify", oneShot[1], "--final-file", editedFile, "--notes", "d instead of c").ExitCode);
        Assert.Equal(0, _oneShot.Host("queue", "reject", oneShot[2], "--notes", "not this one").ExitCode);

        for (int i = 0; i < slugs.Length; i++)
        {
            JsonNode byReview = _reviewed.HostJson("queue", "show", reviewed[i])["response"]!;
            JsonNode byCommand = _oneShot.HostJson("queue", "show", oneShot[i])["response"]!;
            Assert.Equal(Comparable(byCommand, "proposal_id"), Comparable(byReview, "proposal_id"));
        }

        Assert.Equal("d instead of c", (string)_reviewed.HostJson("queue", "show", reviewed[1])["response"]!["notes"]!);
        Assert.Equal(Edited, (string)_reviewed.HostJson("queue", "show", reviewed[1])["response"]!["final_file"]!);

        JsonArray reviewAudit = _reviewed.HostJson("audit", "list").AsArray();
        JsonArray commandAudit = _oneShot.HostJson("audit", "list").AsArray();
        Assert.Equal(3, reviewAudit.Count);
        Assert.Equal(
            commandAudit.Select(e => Comparable(e!, "id", "timestamp", "prev_hash", "entry_hash")),
            reviewAudit.Select(e => Comparable(e!, "id", "timestamp", "prev_hash", "entry_hash")));
        Assert.Equal(0, _reviewed.Host("audit", "verify").ExitCode);
    }

    // A row as JSON without the fields that differ between any two databases (ids, times, chain hashes).
    private static string Comparable(JsonNode row, params string[] differing)
    {
        JsonObject copy = row.DeepClone().AsObject();
        foreach (string field in differing)
        {
            copy.Remove(field);
        }

        return copy.ToJsonString();
    }

    [Fact]
    public async Task Review_takes_in_a_proposal_that_arrives_while_it_waits_and_a_skipped_one_stays_pending()
    {
        using TmuxSession terminal = Review(_reviewed);
        await terminal.WaitForAsync("No more pending proposals. Waiting for new ones");

        string id = Propose(_reviewed, "bottle-late", "arrived during the review");
        await terminal.WaitForAsync(id);
        await terminal.WaitForAsync("[q]uit:");
        terminal.TypeLine("s");
        await terminal.WaitForAsync("No more pending proposals (1 skipped)");
        terminal.Press("C-c");
        await terminal.WaitForAsync("Review ended: 0 approved, 0 modified, 0 rejected, 1 skipped.");
        await terminal.WaitForAsync("[exited 0]");
        Assert.Equal([id], _reviewed.PendingIds());
    }

    [Fact]
    public async Task Review_goes_back_to_the_question_when_the_editor_fails_or_changes_nothing()
    {
        string id = Propose(_reviewed, "bottle-1", "needs c");
        string failing = Path.Combine(_reviewed.Root, "failing-editor.sh");
        string marker = Path.Combine(_reviewed.Root, "editor-ran");

        // The first run fails; the second saves the file as it was.
        File.WriteAllText(failing, $"#!/bin/sh\n[ -e '{marker}' ] && exit 0\ntouch '{marker}'\nexit 3\n");
        File.SetUnixFileMode(failing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using TmuxSession terminal = Review(_reviewed, ("VISUAL", failing));
        await terminal.WaitForAsync("[q]uit:");
        terminal.TypeLine("m");
        await terminal.WaitForAsync("exited with 3; nothing was decided");
        await terminal.WaitForAsync("[q]uit:", times: 2);
        terminal.TypeLine("m");
        await terminal.WaitForAsync("The file is unchanged");
        await terminal.WaitForAsync("[q]uit:", times: 3);
        terminal.TypeLine("r");
        await terminal.WaitForAsync("empty goes back");
        terminal.TypeLine(string.Empty);
        await terminal.WaitForAsync("[q]uit:", times: 4);
        terminal.TypeLine("q");
        await terminal.WaitForAsync("[exited 0]");
        Assert.Equal([id], _reviewed.PendingIds());
        Assert.Equal(0, _reviewed.Count("supervise_responses"));
        Assert.Equal(0, _reviewed.Count("supervise_audit_entries"));
    }

    [Fact]
    public async Task Review_in_color_shows_a_planted_rows_escape_sequences_as_text_never_to_the_terminal()
    {
        // The store refuses these at every door; a row planted past them must still not reach the terminal raw.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_reviewed.DbPath};Pooling=False"))
        {
            connection.Open();
            using Microsoft.Data.Sqlite.SqliteCommand plant = connection.CreateCommand();
            plant.CommandText = """
                INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, archived, current_file)
                VALUES ('planted', 'bottle-a', 'pipelock-block', $file, $justification, '2026-11-01T00:00:00.0000000Z', 0, 'a.example' || char(10));
                """;
            plant.Parameters.AddWithValue("$file", "a.example\n\u001B]52;c;Y3VybCBldmlsfHNo\u0007evil.example\n");
            plant.Parameters.AddWithValue("$justification", "please \u001B[2J\u001B[H\u202Eapprove");
            plant.ExecuteNonQuery();
        }

        using TmuxSession terminal = Review(_reviewed);
        string screen = await terminal.WaitForAsync("[q]uit:");

        // A clear-screen that reached the terminal would have wiped the header above it.
        Assert.Contains(" 1 of 1 pending", screen, StringComparison.Ordinal);
        Assert.Contains("please \\x1b[2J\\x1b[H<U+202E>approve", screen, StringComparison.Ordinal);
        Assert.Contains("+\\x1b]52;c;Y3VybCBldmlsfHNo\\x07evil.example", screen, StringComparison.Ordinal);
        string added = terminal.Screen(withEscapes: true).Split('\n').Single(l => l.Contains("+\\x1b]52", StringComparison.Ordinal));
        Assert.Contains("32m", added, StringComparison.Ordinal);
        terminal.TypeLine("q");
        await terminal.WaitForAsync("[exited 0]");
    }

    [Fact]
    public void Review_without_a_terminal_exits_2_and_names_the_commands_for_scripts()
    {
        CommandResult result = _reviewed.Host("queue", "review");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("needs a terminal", result.Error, StringComparison.Ordinal);
        Assert.Contains("queue approve|modify|reject", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_colors_its_diff_in_a_terminal_only_and_never_with_no_color_or_NO_COLOR()
    {
        string id = Propose(_reviewed, "bottle-1", "needs c");
        string[] show = [SidecarBinary.Path, "--db", _reviewed.DbPath, "queue", "show", id];

        using (var terminal = new TmuxSession(show))
        {
            await terminal.WaitForAsync("[exited 0]");
            Assert.Contains("32m", terminal.Screen(withEscapes: true).Split('\n').Single(l => l.Contains("+c.example", StringComparison.Ordinal)), StringComparison.Ordinal);
        }

        using (var terminal = new TmuxSession([.. show, "--no-color"]))
        {
            await terminal.WaitForAsync("+c.example");
            Assert.DoesNotContain("\e[3", terminal.Screen(withEscapes: true), StringComparison.Ordinal);
        }

        using (var terminal = new TmuxSession(show, ("NO_COLOR", "1")))
        {
            await terminal.WaitForAsync("+c.example");
            Assert.DoesNotContain("\e[3", terminal.Screen(withEscapes: true), StringComparison.Ordinal);
        }

        CommandResult piped = _reviewed.Host("queue", "show", id);
        Assert.Contains("+c.example", piped.Output, StringComparison.Ordinal);
        Assert.DoesNotContain('\e', piped.Output);
    }

    [Fact]
    public async Task Watch_in_a_terminal_keeps_a_live_table_ages_ticking_the_newest_highlighted()
    {
        string first = Propose(_reviewed, "bottle-1", "first");
        using var terminal = new TmuxSession([SidecarBinary.Path, "--db", _reviewed.DbPath, "queue", "watch"]);
        await terminal.WaitForAsync("1 pending");

        string newest = Propose(_reviewed, "bottle-2", "second");
        await terminal.WaitForAsync("2 pending");
        string row = terminal.Screen(withEscapes: true).Split('\n').Single(l => l.Contains(newest, StringComparison.Ordinal) && !l.Contains("proposed", StringComparison.Ordinal));
        Assert.Contains("7m", row, StringComparison.Ordinal);

        // The table is redrawn in place: the first proposal's row is on the screen once, its age moving.
        string AgeOfFirst() => terminal.Screen().Split('\n').Single(l => l.Contains(first, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        string before = AgeOfFirst();
        await Task.Delay(2500);
        Assert.NotEqual(before, AgeOfFirst());

        Assert.Equal(0, _reviewed.Host("queue", "approve", first).ExitCode);
        await terminal.WaitForAsync("approved, not yet received");
        await terminal.WaitForAsync("1 pending");
        terminal.Press("C-c");
        await terminal.WaitForAsync("[exited 0]");
    }
}
