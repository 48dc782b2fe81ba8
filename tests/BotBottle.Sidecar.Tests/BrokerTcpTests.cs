using System;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>The host broker over TCP with a token, as Docker Desktop's containers reach it (host.docker.internal).</summary>
public sealed class BrokerTcpTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private string TokenFile => Path.Combine(_home.Root, "broker.token");

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public async Task Propose_over_tcp_with_the_token_is_answered_by_the_operator_and_the_token_file_is_private(string proposer)
    {
        using BrokerProcess broker = await BrokerProcess.StartTcpAsync(_home, TokenFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(TokenFile));
        Assert.Equal(64, File.ReadAllText(TokenFile).Trim().Length);

        // propose takes the broker's token as --token-file too (serve cannot: there it is the MCP bearer token).
        using System.Diagnostics.Process propose = Proposer.Named(proposer).Start("propose", "--broker", broker.TcpAddress!, "--token-file", TokenFile, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "over tcp", "--wait");
        propose.StandardInput.Close();
        Task<string> output = propose.StandardOutput.ReadToEndAsync();
        Task<string> error = propose.StandardError.ReadToEndAsync();
        string id = await _home.WaitForPendingAsync();
        Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "fine").ExitCode);
        Assert.True(propose.WaitForExit(TimeSpan.FromSeconds(30 * SidecarBinary.Patience)), "propose --wait did not end after the approval");
        Assert.True(propose.ExitCode == 0, await error);
        Assert.Contains("\"status\":\"approved\"", await output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public async Task A_wrong_or_missing_token_is_refused_and_queues_nothing(string proposer)
    {
        using BrokerProcess broker = await BrokerProcess.StartTcpAsync(_home, TokenFile);
        string wrong = Path.Combine(_home.Root, "wrong.token");
        File.WriteAllText(wrong, "not-the-token\n");
        File.SetUnixFileMode(wrong, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        CommandResult refused = Proposer.Named(proposer).Run("propose", "--broker", broker.TcpAddress!, "--broker-token-file", wrong, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "forged");
        Assert.Equal(8, refused.ExitCode);
        Assert.Contains("wrong or missing token", refused.Error, StringComparison.Ordinal);

        CommandResult missing = Proposer.Named(proposer).Run("propose", "--broker", broker.TcpAddress!, "--slug", "bottle-a", "--tool", "git-gate", "--justification", "no token");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--broker-token-file", missing.Error, StringComparison.Ordinal);

        Assert.Empty(_home.PendingIds());
        Assert.True(await broker.WaitForLogAsync(static e => (string?)e["outcome"] == "bad_token", TimeSpan.FromSeconds(10)), "no bad_token logged");
    }
}
