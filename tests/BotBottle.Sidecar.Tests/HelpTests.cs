using System;
using Xunit;

namespace BotBottle.Sidecar.Tests;

public sealed class HelpTests
{
    [Theory]
    [InlineData("serve", "Streamable HTTP")]
    [InlineData("propose", "Exit codes")]
    [InlineData("queue", "approve")]
    [InlineData("queue pending", "oldest first")]
    [InlineData("queue show", "diff")]
    [InlineData("queue approve", "Approve")]
    [InlineData("queue modify", "--final-file")]
    [InlineData("queue reject", "--notes")]
    [InlineData("audit", "list")]
    [InlineData("audit list", "--since")]
    [InlineData("db", "migrate")]
    [InlineData("db status", "Changes nothing")]
    [InlineData("db migrate", "--dry-run")]
    [InlineData("db down", "--to")]
    [InlineData("db check", "integrity")]
    public void Help_explains_every_command(string command, string expected)
    {
        CommandResult result = SidecarBinary.Run([.. command.Split(' '), "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Root_help_lists_the_commands_and_exit_codes()
    {
        CommandResult result = SidecarBinary.Run("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string expected in new[] { "serve", "propose", "queue", "audit", "db", "Exit codes", "11  propose --wait: still pending" })
        {
            Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("queue")]
    [InlineData("queue approve")]
    public void Bad_usage_exits_2_and_points_at_help(string command)
    {
        CommandResult result = SidecarBinary.Run(command.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }
}
