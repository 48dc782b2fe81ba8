using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>The operator's host commands (queue, audit, db), against the published binary.</summary>
public sealed class OperatorCommandTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    /// <summary>The newest migration this build embeds, as the binary under test knows it.</summary>
    private static int Latest => BotBottle.Storage.Migrations.Migration.Embedded[^1].Version;

    public void Dispose() => _home.Dispose();

    private string Propose(string slug = "bottle-a", string tool = "git-gate")
    {
        CommandResult result = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", slug, "--tool", tool, "--justification", "because");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.Trim();
    }

    [Fact]
    public void QueuePending_prints_an_aligned_table_and_json()
    {
        string first = Propose("bottle-a");
        string second = Propose("bottle-b");

        CommandResult table = _home.Host("queue", "pending");
        JsonArray json = _home.HostJson("queue", "pending", "--slug", "bottle-b").AsArray();

        string[] lines = table.Output.TrimEnd().Split('\n');
        Assert.StartsWith("ID", lines[0], StringComparison.Ordinal);
        Assert.Equal(lines[0].IndexOf("BOTTLE", StringComparison.Ordinal), lines[1].IndexOf("bottle-a", StringComparison.Ordinal));
        Assert.Contains(first, lines[1], StringComparison.Ordinal);
        Assert.Contains(second, lines[2], StringComparison.Ordinal);
        Assert.Equal([second], json.Select(static p => (string)p!["id"]!));
    }

    [Fact]
    public void QueueShow_prints_the_justification_and_diff()
    {
        string current = Path.Combine(_home.Root, "current"), proposed = Path.Combine(_home.Root, "proposed");
        File.WriteAllText(current, "a.example\n");
        File.WriteAllText(proposed, "a.example\nb.example\n");
        string id = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "pipelock-block", "--justification", "need b", "--file", proposed, "--current", current).Output.Trim();

        CommandResult show = _home.Host("queue", "show", id);

        Assert.Equal(0, show.ExitCode);
        Assert.Contains("need b", show.Output, StringComparison.Ordinal);
        Assert.Contains("+b.example", show.Output, StringComparison.Ordinal);
        Assert.Contains("Status         pending", show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueShow_puts_a_justification_that_fakes_a_diff_and_a_status_behind_the_gutter_in_color_and_plain()
    {
        const string Fake = "routine\n--- current\n+++ proposed\n@@ -1 +1 @@\n+evil.example\nStatus         approved by alice\n";
        CommandResult proposed = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", Fake);
        Assert.True(proposed.ExitCode == 0, proposed.ToString());
        string id = proposed.Output.Trim();

        string plain = _home.Host("queue", "show", id).Output;
        using var terminal = new TmuxSession([SidecarBinary.Path, "--db", _home.DbPath, "queue", "show", id]);
        string color = await terminal.WaitForAsync("[exited 0]");
        Assert.Contains("\u001b[", terminal.Screen(withEscapes: true), StringComparison.Ordinal);

        foreach (string screen in new[] { plain, color })
        {
            string[] lines = screen.Split('\n').Select(static l => l.TrimEnd()).ToArray();

            // The tool's own lines appear once each; the agent's imitations only behind the gutter.
            Assert.Single(lines, static l => l.StartsWith("Status ", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, static l => l.StartsWith("--- current", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, static l => l.StartsWith("+evil.example", StringComparison.Ordinal));
            int start = Array.IndexOf(lines, "Justification:");
            Assert.Equal(["│ routine", "│ --- current", "│ +++ proposed", "│ @@ -1 +1 @@", "│ +evil.example", "│ Status         approved by alice"], lines[(start + 1)..(start + 7)]);
        }
    }

    [Fact]
    public void QueueApprove_exits_3_for_an_unknown_proposal()
    {
        CommandResult result = _home.Host("queue", "approve", "no-such-id");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(0, _home.Count("supervise_audit_entries"));
    }

    [Fact]
    public void QueueApprove_exits_4_when_already_answered_and_audits_once()
    {
        string id = Propose();
        Assert.Equal(0, _home.Host("queue", "approve", id).ExitCode);

        CommandResult again = _home.Host("queue", "reject", id, "--notes", "changed my mind");

        Assert.Equal(4, again.ExitCode);
        Assert.Equal(1, _home.Count("supervise_audit_entries"));
    }

    [Fact]
    public void QueueReject_exits_2_without_notes()
    {
        string id = Propose();

        CommandResult result = _home.Host("queue", "reject", id);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([id], _home.PendingIds());
    }

    [Fact]
    public void QueueModify_exits_2_when_the_final_file_breaks_the_tools_rules()
    {
        string proposed = Path.Combine(_home.Root, "routes.json");
        File.WriteAllText(proposed, "{}");
        string id = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "cred-proxy-block", "--justification", "x", "--file", proposed).Output.Trim();
        string bad = Path.Combine(_home.Root, "bad.json");
        File.WriteAllText(bad, "not json");

        CommandResult result = _home.Host("queue", "modify", id, "--final-file", bad);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not valid JSON", result.Error, StringComparison.Ordinal);
        Assert.Equal([id], _home.PendingIds());
    }

    [Fact]
    public void AuditList_filters_by_slug_component_and_time()
    {
        _home.Host("queue", "approve", Propose("bottle-a", "git-gate"));
        _home.Host("queue", "approve", Propose("bottle-b", "git-gate"));
        _home.Host("queue", "approve", Propose("bottle-b", "egress"));

        Assert.Equal(3, _home.HostJson("audit", "list").AsArray().Count);
        Assert.Equal(2, _home.HostJson("audit", "list", "--slug", "bottle-b").AsArray().Count);
        Assert.Equal(2, _home.HostJson("audit", "list", "--component", "git-gate").AsArray().Count);
        Assert.Single(_home.HostJson("audit", "list", "--slug", "bottle-b", "--component", "egress").AsArray());
        Assert.Empty(_home.HostJson("audit", "list", "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O")).AsArray());
        Assert.Equal(3, _home.HostJson("audit", "list", "--since", "2020-01-01").AsArray().Count);
    }

    [Fact]
    public void AuditList_exits_2_for_a_bad_time()
        => Assert.Equal(2, _home.Host("audit", "list", "--since", "yesterday-ish").ExitCode);

    [Fact]
    public void DbStatus_lists_every_migration_as_applied()
    {
        JsonNode report = _home.HostJson("db", "status");

        Assert.Equal(Latest, (int)report["user_version"]!);
        Assert.All(report["migrations"]!.AsArray(), static m => Assert.Equal("Applied", (string)m!["state"]!));
    }

    [Fact]
    public void DbMigrate_dry_run_prints_the_plan_and_creates_nothing()
    {
        string fresh = Path.Combine(_home.Root, "fresh", "bot-bottle.db");

        CommandResult result = SidecarBinary.Run("--db", fresh, "db", "migrate", "--dry-run");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("would apply 0001_supervise_queue", result.Output, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE supervise_proposals", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(fresh)));
    }

    [Fact]
    public void DbDown_then_migrate_round_trips()
    {
        CommandResult down = _home.Host("db", "down", "--to", "1");
        JsonNode afterDown = _home.HostJson("db", "status");
        CommandResult up = _home.Host("db", "migrate");

        Assert.Equal(0, down.ExitCode);
        Assert.Equal(1, (int)afterDown["user_version"]!);
        Assert.Equal(0, up.ExitCode);
        Assert.Equal(Latest, (int)_home.HostJson("db", "status")["user_version"]!);
    }

    [Fact]
    public void DbCheck_passes_on_a_healthy_database()
    {
        JsonNode check = _home.HostJson("db", "check");

        Assert.True((bool)check["ok"]!);
        Assert.Equal(["ok"], check["integrity"]!.AsArray().Select(static l => (string)l!));
    }

    [Fact]
    public void DbCheck_exits_6_when_migrations_are_pending()
    {
        _home.Host("db", "down", "--to", "2");

        CommandResult result = _home.Host("db", "check");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("0003_proposal_current_file", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{Latest:D4}_", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_commands_exit_7_for_a_file_that_is_not_a_database()
    {
        string garbage = Path.Combine(_home.Root, "garbage.db");
        File.WriteAllText(garbage, new string('x', 4096));

        CommandResult check = SidecarBinary.Run("--db", garbage, "db", "check");
        CommandResult pending = SidecarBinary.Run("--db", garbage, "queue", "pending");

        Assert.Equal(7, check.ExitCode);
        Assert.Equal(7, pending.ExitCode);
        Assert.Equal(new string('x', 4096), File.ReadAllText(garbage));
    }
}

public sealed class AuditVerifyCommandTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    [Fact]
    public void AuditVerify_exits_0_when_intact_and_12_with_the_broken_entry_after_an_edit()
    {
        for (int i = 0; i < 3; i++)
        {
            string id = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j" + i).Output.Trim();
            Assert.Equal(0, _home.Host("queue", "approve", id).ExitCode);
        }

        CommandResult intact = _home.Host("audit", "verify");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_home.DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE supervise_audit_entries SET operator_action = 'rejected' WHERE id = 2";
            command.ExecuteNonQuery();
        }

        CommandResult broken = _home.Host("audit", "verify", "--json");

        Assert.True(intact.ExitCode == 0, intact.ToString());
        Assert.Contains("3 entries verified", intact.Output, StringComparison.Ordinal);
        Assert.Equal(12, broken.ExitCode);
        Assert.Equal(2, (int)System.Text.Json.Nodes.JsonNode.Parse(broken.Output)!["first_broken_id"]!);
    }

    [Fact]
    public void A_copied_executable_without_its_sqlite_library_says_what_is_missing_and_exits_14()
    {
        string alone = Path.Combine(_home.Root, "copied");
        Directory.CreateDirectory(alone);
        string copy = Path.Combine(alone, "bot-bottle-sidecar");
        SidecarBinary.CopyExecutable(SidecarBinary.Published, copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        CommandResult result = SidecarBinary.RunExecutable(SidecarBinary.Runnable(copy), null, "--db", _home.DbPath, "queue", "pending");

        Assert.Equal(14, result.ExitCode);
        Assert.Contains("libe_sqlite3", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("type initializer", result.Error, StringComparison.Ordinal);
    }
}
