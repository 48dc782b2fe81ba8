using System;
using System.IO;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary><c>bot-bottle-sidecar propose</c> and its exit codes, against the published binary.</summary>
public sealed class SidecarProposeCommandTests : ProposeCommandTests
{
    protected override Proposer Proposer => Proposer.Sidecar;
}

/// <summary>The same suite against <c>bot-bottle-propose</c>.</summary>
public sealed class SmallProposeCommandTests : ProposeCommandTests
{
    protected override Proposer Proposer => Proposer.Small;
}

/// <summary><c>propose</c> and its exit codes, against each published executable that proposes.</summary>
public abstract class ProposeCommandTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    protected abstract Proposer Proposer { get; }

    public void Dispose()
    {
        _home.Dispose();
        GC.SuppressFinalize(this);
    }

    private CommandResult Propose(params string[] extra)
        => Proposer.Run(["--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "leak scan false positive", .. extra]);

    [Fact]
    public void Help_shows_the_command_as_it_is_typed_with_every_option_and_the_exit_codes()
    {
        CommandResult help = Proposer.Run("propose", "--help");

        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains(Proposer.Name + " [options]", help.Output, StringComparison.Ordinal);
        foreach (string option in new[] { "--slug", "--tool", "--justification", "--file", "--current", "--wait", "--timeout", "--broker", "--broker-token-file", "--json", "--db" })
        {
            Assert.Contains(option, help.Output, StringComparison.Ordinal);
        }

        Assert.Contains("11  propose --wait: still pending when --timeout passed", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_prints_the_id_and_exits_0()
    {
        CommandResult result = Propose();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([result.Output.Trim()], _home.PendingIds());
    }

    [Fact]
    public void Propose_reads_the_file_from_standard_input()
    {
        CommandResult result = Proposer.RunWithInput("a.example.com\n", "--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "pipelock-block", "--justification", "why", "--file", "-", "--json");

        Assert.Equal(0, result.ExitCode);
        JsonNode output = JsonNode.Parse(result.Output)!;
        Assert.False((bool)output["joined"]!);
        Assert.Equal("a.example.com\n", (string)_home.HostJson("queue", "show", (string)output["proposal_id"]!)["proposal"]!["proposed_file"]!);
    }

    [Fact]
    public void Standard_input_without_an_end_is_refused_past_its_bound_and_nothing_is_queued()
    {
        // /dev/zero stands for what a process started with descriptor 0 closed may find there: one of its own files.
        string[] arguments = Proposer.Arguments(["--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "endless", "--file", "-"]);
        CommandResult result = SidecarBinary.RunExecutable("/bin/sh", null, ["-c", "exec \"$@\" < /dev/zero", "sh", Proposer.Executable, .. arguments]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--file: standard input goes on past 64 MiB", result.Error, StringComparison.Ordinal);
        Assert.Empty(_home.PendingIds());
    }

    [Fact]
    public async Task Propose_wait_exits_0_with_the_approval_as_json()
    {
        Task<CommandResult> waiting = Task.Run(() => Propose("--wait"));
        string id = await _home.WaitForPendingAsync();

        Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "ok").ExitCode);
        CommandResult result = await waiting;

        Assert.Equal(0, result.ExitCode);
        JsonNode output = JsonNode.Parse(result.Output)!;
        Assert.Equal("approved", (string)output["status"]!);
        Assert.Equal(id, (string)output["proposal_id"]!);
        Assert.True((bool)_home.HostJson("queue", "show", id)["proposal"]!["archived"]!);
    }

    [Fact]
    public async Task Propose_wait_with_change_notifications_off_still_gets_the_decision_by_polling()
    {
        Task<CommandResult> waiting = Task.Run(() => SidecarBinary.RunExecutable("/usr/bin/env", null,
            ["BOTBOTTLE_CHANGE_NOTIFICATIONS=off", Proposer.Executable, .. Proposer.Arguments(["propose", "--db", _home.DbPath, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "polling", "--wait"])]));
        string id = await _home.WaitForPendingAsync();

        Assert.Equal(0, _home.Host("queue", "approve", id).ExitCode);
        CommandResult result = await waiting;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("approved", (string)JsonNode.Parse(result.Output)!["status"]!);
    }

    [Fact]
    public async Task Propose_wait_exits_10_when_rejected()
    {
        Task<CommandResult> waiting = Task.Run(() => Propose("--wait"));
        string id = await _home.WaitForPendingAsync();

        _home.Host("queue", "reject", id, "--notes", "no");
        CommandResult result = await waiting;

        Assert.Equal(10, result.ExitCode);
        Assert.Equal("rejected", (string)JsonNode.Parse(result.Output)!["status"]!);
    }

    [Fact]
    public void Propose_wait_exits_11_when_still_pending_at_the_timeout()
    {
        CommandResult result = Propose("--wait", "--timeout", "0.3");

        Assert.Equal(11, result.ExitCode);
        JsonNode output = JsonNode.Parse(result.Output)!;
        Assert.Equal("pending", (string)output["status"]!);
        Assert.Equal([(string)output["proposal_id"]!], _home.PendingIds());
    }

    [Theory]
    [InlineData("--slug", "Not A Slug")]
    [InlineData("--timeout", "-1")]
    [InlineData("--bogus", "x")]
    public void Propose_exits_2_for_bad_usage_and_writes_nothing(string option, string value)
    {
        CommandResult result = Proposer.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "x", option, value, "--wait");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error:", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("31536001")]
    [InlineData("NaN")]
    public void Propose_refuses_a_timeout_outside_the_wait_rule_with_the_rule(string seconds)
    {
        CommandResult result = Proposer.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "x", "--wait", "--timeout", seconds);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("error: --timeout must be from 0 to 31536000 seconds (a year), or no limit.\n", result.Error);
    }

    [Fact]
    public void Propose_exits_2_when_a_required_option_is_missing()
    {
        CommandResult result = Proposer.Run("--db", _home.DbPath, "propose", "--tool", "git-gate", "--justification", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--slug", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Propose_exits_2_when_a_known_tools_file_is_invalid()
    {
        string file = Path.Combine(_home.Root, "routes.json");
        File.WriteAllText(file, "[]");

        CommandResult result = Proposer.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "cred-proxy-block", "--justification", "x", "--file", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("JSON object", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public void Propose_exits_7_and_creates_nothing_when_the_database_is_missing()
    {
        string missing = Path.Combine(_home.Root, "nowhere", "bot-bottle.db");

        CommandResult result = Proposer.Run("--db", missing, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "x");

        Assert.Equal(7, result.ExitCode);
        Assert.Contains("Only the host creates it", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public void Propose_takes_options_as_name_equals_value_and_a_flag_with_an_explicit_false()
    {
        CommandResult result = Proposer.Run("--db=" + _home.DbPath, "propose", "--slug=bottle-a", "--tool:git-gate", "--justification", "x", "--wait", "false", "--json=true");

        Assert.True(result.ExitCode == 0, result.ToString());
        string id = (string)JsonNode.Parse(result.Output)!["proposal_id"]!;
        Assert.Equal([id], _home.PendingIds());
    }

    [Theory]
    [InlineData("--slug", "bottle-b", "--slug")]
    [InlineData("--bogus", null, "--bogus")]
    [InlineData("stray", null, "stray")]
    [InlineData("--timeout", "soon", "soon")]
    [InlineData("--wait=maybe", null, "maybe")]
    [InlineData("--file", null, "--file")]
    public void Propose_exits_2_on_a_repeated_unknown_unparsable_or_valueless_option_and_writes_nothing(string option, string? value, string named)
    {
        string[] extra = value is null ? [option] : [option, value];

        CommandResult result = Propose(extra);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
        Assert.EndsWith($"Run '{Proposer.Name} --help' for usage.\n", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _home.Count("supervise_proposals"));
    }

    [Fact]
    public void Propose_shows_an_argument_with_terminal_controls_escaped_in_its_parse_error()
    {
        CommandResult result = Propose("--\u001b[2Jbogus\u202e");

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain('\u001b', result.Error);
        Assert.DoesNotContain('\u202e', result.Error);
    }

    [Fact]
    public void Version_prints_the_version_with_the_commit_it_was_built_from()
    {
        CommandResult result = SidecarBinary.RunExecutable(Proposer.Executable, null, "--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d+\.\d+\.\d+(\+[0-9a-f]+)?\n$", result.Output);
        Assert.Equal(SidecarBinary.Run("--version").Output, result.Output);
    }

    [Fact]
    public void Propose_stores_a_value_starting_with_at_as_it_is_and_never_reads_the_file_it_names()
    {
        string secret = Path.Combine(_home.Root, "secret.txt");
        File.WriteAllText(secret, "not for the queue\n");

        CommandResult result = Proposer.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "@" + secret);

        Assert.True(result.ExitCode == 0, result.ToString());
        JsonNode shown = _home.HostJson("queue", "show", result.Output.Trim())["proposal"]!;
        Assert.Equal("@" + secret, (string)shown["justification"]!);
    }
}
