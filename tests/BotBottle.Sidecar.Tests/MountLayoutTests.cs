using System;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// The real mount layouts a sidecar sees, built with unshare -m and mount --bind (the machine runs
/// the tests as root): inside the namespace /run gets its own tmpfs, so nothing leaks onto the host.
/// </summary>
public sealed class MountLayoutTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    /// <summary>A sidecar's view: /run on its own tmpfs, so nothing leaks onto the machine.</summary>
    private static CommandResult InNamespace(string script, Proposer? proposer = null) => MountNamespace.Run("set -e; mount -t tmpfs tmpfs /run; " + script, proposer);

    private string DbDirectory => Path.GetDirectoryName(_home.DbPath)!;

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public void Directory_mount_shares_the_database_between_the_sidecar_view_and_the_host(string proposer)
    {
        CommandResult sidecar = InNamespace($"mkdir /run/supervise; mount --bind '{DbDirectory}' /run/supervise; $PROPOSE --slug bottle-a --tool git-gate --justification 'from the sidecar view'", Proposer.Named(proposer));

        Assert.True(sidecar.ExitCode == 0, sidecar.ToString());
        Assert.Equal([sidecar.Output.Trim()], _home.PendingIds());
    }

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public async Task Sidecar_view_receives_the_hosts_answer_through_the_directory_mount(string proposer)
    {
        Task<CommandResult> waiting = Task.Run(() => InNamespace($"mkdir /run/supervise; mount --bind '{DbDirectory}' /run/supervise; $PROPOSE --slug bottle-a --tool git-gate --justification j --wait --timeout 30", Proposer.Named(proposer)));
        string id = await _home.WaitForPendingAsync();

        Assert.Equal(0, _home.Host("queue", "approve", id, "--notes", "seen across mounts").ExitCode);
        CommandResult sidecar = await waiting;

        Assert.True(sidecar.ExitCode == 0, sidecar.ToString());
        Assert.Contains("seen across mounts", sidecar.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public void Single_file_mount_is_refused_and_the_database_is_untouched(string proposer)
    {
        byte[] before = File.ReadAllBytes(_home.DbPath);

        CommandResult sidecar = InNamespace($"mkdir /run/supervise; touch /run/supervise/bot-bottle.db; mount --bind '{_home.DbPath}' /run/supervise/bot-bottle.db; $PROPOSE --slug bottle-a --tool git-gate --justification j; ls /run/supervise", Proposer.Named(proposer));

        Assert.Equal(9, sidecar.ExitCode);
        Assert.Contains("bind-mounted on its own", sidecar.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_home.DbPath));
        Assert.False(File.Exists(_home.DbPath + "-journal"));
        Assert.Empty(_home.PendingIds());
    }

    [Theory]
    [MemberData(nameof(Proposer.Names), MemberType = typeof(Proposer))]
    public void Container_path_without_the_directory_mount_is_refused_with_the_fix(string proposer)
    {
        CommandResult sidecar = InNamespace("mkdir /run/supervise; $PROPOSE --slug bottle-a --tool git-gate --justification j; ls -A /run/supervise | wc -l", Proposer.Named(proposer));

        Assert.Equal(9, sidecar.ExitCode);
        Assert.Contains("was not mounted", sidecar.Error, StringComparison.Ordinal);
        Assert.Contains(".bot-bottle/db:/run/supervise", sidecar.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_in_the_sidecar_view_passes_with_the_directory_mount_and_fails_without_it()
    {
        CommandResult mounted = InNamespace($"mkdir /run/supervise; mount --bind '{DbDirectory}' /run/supervise; \"$BIN\" doctor --sidecar");
        CommandResult unmounted = InNamespace("mkdir /run/supervise; \"$BIN\" doctor --sidecar");

        Assert.True(mounted.ExitCode == 0, mounted.ToString());
        Assert.Contains("is a mount of the host's database directory", mounted.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, unmounted.ExitCode);
        Assert.Contains("was not mounted", unmounted.Output, StringComparison.Ordinal);
    }
}
