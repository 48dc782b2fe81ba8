using System;
using System.IO;
using System.Linq;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary><c>doctor</c>: one line per check, exit 0 only when every check passes.</summary>
public sealed class DoctorCommandTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private static string Line(CommandResult result, string check)
        => result.Output.Split('\n').Single(l => l.StartsWith(check + " ", StringComparison.Ordinal));

    [Fact]
    public void Doctor_passes_every_check_on_a_healthy_host_database()
    {
        CommandResult result = _home.Host("doctor");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string check in new[] { "placement", "filesystem", "mount layout", "database file", "access", "permissions", "open", "disk space", "journal mode", "schema", "integrity", "waits" })
        {
            Assert.Contains("  ok  ", Line(result, check), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Doctor_reports_a_disk_below_the_reserve_as_failed_and_says_what_it_means()
    {
        Assert.Equal(0, _home.Host("limits", "set", "free_space_reserve_bytes", "1000000G").ExitCode);

        CommandResult result = _home.Host("doctor");

        Assert.NotEqual(0, result.ExitCode);
        string line = Line(result, "disk space");
        Assert.Contains("FAIL", line, StringComparison.Ordinal);
        Assert.Contains("below the host's reserve of 1024000000 MiB", line, StringComparison.Ordinal);
        Assert.Contains("the operator can still answer", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_on_a_read_only_mount_says_to_mount_it_read_write_not_to_change_users()
    {
        string directory = Path.GetDirectoryName(_home.DbPath)!;
        CommandResult result = MountNamespace.Run(
            $"set -e; mount -t tmpfs tmpfs /run; mkdir /run/supervise; mount --bind '{directory}' /run/supervise; mount -o remount,ro,bind /run/supervise; \"$BIN\" doctor --sidecar; echo \"exit=$?\"");

        string line = Line(result, "access");
        Assert.Contains("read-only mount (/run/supervise)", line, StringComparison.Ordinal);
        Assert.Contains("read-write", line, StringComparison.Ordinal);
        Assert.DoesNotContain("run as the host user", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_says_waits_block_on_dnotify_or_inotify_or_why_they_poll()
    {
        CommandResult notified = _home.Host("doctor");
        CommandResult inotify = SidecarBinary.RunExecutable("/usr/bin/env", null, ["BOTBOTTLE_CHANGE_NOTIFICATIONS=inotify", SidecarBinary.Path, "--db", _home.DbPath, "doctor"]);
        CommandResult polling = SidecarBinary.RunExecutable("/usr/bin/env", null, ["BOTBOTTLE_CHANGE_NOTIFICATIONS=off", SidecarBinary.Path, "--db", _home.DbPath, "doctor"]);

        Assert.Contains(" dnotify (", Line(notified, "waits"), StringComparison.Ordinal);
        Assert.Contains(" inotify (", Line(inotify, "waits"), StringComparison.Ordinal);
        Assert.True(polling.ExitCode == 0, polling.ToString());
        Assert.Contains("polling", Line(polling, "waits"), StringComparison.Ordinal);
        Assert.Contains("BOTBOTTLE_CHANGE_NOTIFICATIONS=off", Line(polling, "waits"), StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_reports_a_rollback_journal_database_as_failed_and_leaves_it_byte_identical()
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_home.DbPath};Pooling=False"))
        {
            connection.Open();
            using Microsoft.Data.Sqlite.SqliteCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = DELETE;";
            command.ExecuteNonQuery();
        }

        byte[] before = File.ReadAllBytes(_home.DbPath);
        CommandResult result = _home.Host("doctor");
        byte[] after = File.ReadAllBytes(_home.DbPath);

        Assert.Equal(15, result.ExitCode);
        Assert.Contains("FAIL", Line(result, "journal mode"), StringComparison.Ordinal);
        Assert.Contains("journal mode is delete, not wal", Line(result, "journal mode"), StringComparison.Ordinal);
        Assert.Equal(before, after);
        Assert.Contains("15", _home.Host("doctor", "--help").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_fails_on_a_world_readable_database()
    {
        File.SetUnixFileMode(_home.DbPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        CommandResult result = _home.Host("doctor");

        Assert.Equal(15, result.ExitCode);
        Assert.Contains("FAIL", Line(result, "permissions"), StringComparison.Ordinal);
        Assert.Contains("0644", Line(result, "permissions"), StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_fails_on_a_file_that_is_not_a_database_and_changes_nothing()
    {
        string garbage = Path.Combine(_home.Root, "garbage", "bot-bottle.db");
        Directory.CreateDirectory(Path.GetDirectoryName(garbage)!);
        File.WriteAllText(garbage, new string('x', 4096));

        CommandResult result = SidecarBinary.Run("--db", garbage, "doctor");

        Assert.Equal(15, result.ExitCode);
        Assert.Contains("FAIL", Line(result, "open"), StringComparison.Ordinal);
        Assert.Equal(new string('x', 4096), File.ReadAllText(garbage));
    }

    [Fact]
    public void Doctor_fails_on_other_files_in_the_database_directory()
    {
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_home.DbPath)!, "secrets.env"), "TOKEN=x");

        CommandResult result = _home.Host("doctor");

        Assert.Equal(15, result.ExitCode);
        Assert.Contains("secrets.env", Line(result, "mount layout"), StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_fails_when_the_schema_needs_migrating()
    {
        _home.Host("db", "down", "--to", "1");

        CommandResult result = _home.Host("doctor");

        Assert.Equal(15, result.ExitCode);
        Assert.Contains("FAIL", Line(result, "schema"), StringComparison.Ordinal);
    }
}
