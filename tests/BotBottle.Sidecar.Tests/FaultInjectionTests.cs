using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using BotBottle.Tests.Fuzzing;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// Crashes, contention, full disks and damaged files, with real processes and real mounts: nothing
/// acknowledged is lost, nothing is corrupted, every failure is a clear error and exit code.
/// </summary>
public sealed class FaultInjectionTests : IDisposable
{
    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    private static CommandResult InNamespace(string script) => MountNamespace.Run(script);

    [Fact]
    public Task Writers_killed_at_random_points_lose_no_acknowledged_proposal_and_corrupt_nothing()
    {
        FuzzSeed seed = FuzzSeed.For(20261122, "BotBottle.Sidecar.Tests", GetType());
        return seed.CheckAsync(() => KillWritersAtRandomPointsAsync(seed.Random()));
    }

    private async Task KillWritersAtRandomPointsAsync(Random random)
    {
        var acknowledged = new ConcurrentBag<string>();
        for (int round = 0; round < 12; round++)
        {
            var writers = new List<(Process Process, Task<string> Output)>();
            for (int i = 0; i < 6; i++)
            {
                Process writer = SidecarBinary.Start("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", $"round {round} writer {i}");
                writer.StandardInput.Close();
                writers.Add((writer, writer.StandardOutput.ReadToEndAsync()));
            }

            await Task.Delay(random.Next(0, 25));
            foreach ((Process writer, Task<string> output) in writers)
            {
                if (random.Next(2) == 0)
                {
                    try
                    {
                        writer.Kill();
                    }
                    catch (InvalidOperationException)
                    {
                        // Already exited.
                    }
                }

                writer.WaitForExit();
                string id = (await output).Trim();
                if (writer.ExitCode == 0 && id.Length > 0)
                {
                    acknowledged.Add(id);
                }

                writer.Dispose();
            }
        }

        CommandResult check = _home.Host("db", "check");
        string[] stored = _home.HostJson("queue", "pending").AsArray().Select(static p => (string)p!["id"]!).ToArray();

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.NotEmpty(acknowledged);
        Assert.Empty(acknowledged.Except(stored));
    }

    [Fact]
    public async Task Sixteen_sidecars_and_a_host_approver_answer_every_proposal_exactly_once()
    {
        var sidecars = Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", $"bottle-{i % 4}", "--tool", "git-gate", "--justification", $"sidecar {i}", "--wait", "--timeout", (90 * SidecarBinary.Patience).ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToArray();

        var answered = new HashSet<string>();
        var clock = Stopwatch.StartNew();
        while (answered.Count < 16 && clock.Elapsed < TimeSpan.FromSeconds(90 * SidecarBinary.Patience))
        {
            foreach (string id in _home.PendingIds().Where(id => !answered.Contains(id)))
            {
                CommandResult approve = _home.Host("queue", "approve", id, "--notes", "ok");
                Assert.True(approve.ExitCode == 0, approve.ToString());
                answered.Add(id);
            }

            await Task.Delay(20);
        }

        CommandResult[] results = await Task.WhenAll(sidecars);

        Assert.Equal(16, answered.Count);
        Assert.All(results, static r => Assert.True(r.ExitCode == 0 && r.Error.Length == 0, r.ToString()));
        Assert.Equal(16, results.Select(static r => (string)JsonNode.Parse(r.Output)!["proposal_id"]!).Distinct().Count());
        Assert.Equal(16, _home.Count("supervise_audit_entries"));
        Assert.Equal(16, _home.Count("supervise_responses"));
        Assert.Equal(0, _home.Host("audit", "verify").ExitCode);
    }

    [Fact]
    public void Full_disk_is_a_clear_error_corrupts_nothing_and_writes_resume_once_space_is_freed()
    {
        CommandResult run = InNamespace("""
            mkdir -p /mnt && mount -t tmpfs -o size=1m tmpfs /mnt
            db=/mnt/db/bot-bottle.db
            "$BIN" --db "$db" db migrate > /dev/null || exit 90
            # The disk-full path itself: no reserve to stop proposals before the disk does.
            "$BIN" --db "$db" limits set free_space_reserve_bytes 0 > /dev/null || exit 91
            head -c 500000 /dev/zero | tr '\0' 'x' > /mnt/big.txt
            dd if=/dev/zero of=/mnt/filler bs=4k 2> /dev/null
            "$BIN" --db "$db" propose --slug bottle-a --tool git-gate --justification full --file /mnt/big.txt; echo "full_exit=$?"
            rm /mnt/filler /mnt/big.txt
            "$BIN" --db "$db" db check > /dev/null; echo "check_exit=$?"
            "$BIN" --db "$db" propose --slug bottle-a --tool git-gate --justification freed > /dev/null; echo "freed_exit=$?"
            "$BIN" --db "$db" queue pending --json | grep -o '"justification":"[a-z]*"' | tr '\n' ' '; echo
            "$BIN" --db "$db" db check > /dev/null; echo "final_check_exit=$?"
            """);

        Assert.True(run.Output.Contains("full_exit=7", StringComparison.Ordinal), run.ToString());
        Assert.Contains("disk holding", run.Error, StringComparison.Ordinal);
        Assert.Contains("check_exit=0", run.Output, StringComparison.Ordinal);
        Assert.Contains("freed_exit=0", run.Output, StringComparison.Ordinal);
        Assert.Contains("final_check_exit=0", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"justification\":\"freed\" \n", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"justification\":\"full\"", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_only_mount_is_a_clear_error_and_writes_nothing()
    {
        byte[] before = File.ReadAllBytes(_home.DbPath);
        string directory = Path.GetDirectoryName(_home.DbPath)!;

        CommandResult run = InNamespace($"""
            mkdir -p /mnt/ro && mount --bind '{directory}' /mnt/ro && mount -o remount,ro,bind /mnt/ro
            "$BIN" --db /mnt/ro/bot-bottle.db propose --slug bottle-a --tool git-gate --justification j; echo "propose_exit=$?"
            "$BIN" --db /mnt/ro/bot-bottle.db queue approve missing; echo "approve_exit=$?"
            """);

        Assert.True(run.Output.Contains("propose_exit=7", StringComparison.Ordinal), run.ToString());
        Assert.Contains("approve_exit=7", run.Output, StringComparison.Ordinal);
        Assert.Contains("writable", run.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_home.DbPath));
    }

    [Fact]
    public void Directory_where_the_database_should_be_is_a_clear_error()
    {
        string directory = Path.Combine(_home.Root, "is-a-directory.db");
        Directory.CreateDirectory(directory);

        CommandResult host = SidecarBinary.Run("--db", directory, "queue", "pending");
        CommandResult sidecar = SidecarBinary.Run("--db", directory, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j");

        Assert.Equal(7, host.ExitCode);
        Assert.Contains("is a directory", host.Error, StringComparison.Ordinal);
        Assert.Equal(7, sidecar.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    public void Truncated_database_is_a_clear_error_and_is_left_as_found()
    {
        for (int i = 0; i < 20; i++)
        {
            SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", new string('j', 2000));
        }

        _home.Host("db", "check");
        SqliteConnection.ClearAllPools();
        byte[] whole = File.ReadAllBytes(_home.DbPath);
        File.Delete(_home.DbPath + "-wal");
        File.Delete(_home.DbPath + "-shm");
        File.WriteAllBytes(_home.DbPath, whole[..(whole.Length / 2)]);
        byte[] truncated = File.ReadAllBytes(_home.DbPath);

        CommandResult check = _home.Host("db", "check");
        CommandResult pending = _home.Host("queue", "pending");

        Assert.True(check.ExitCode == 7, check.ToString());
        Assert.Equal(7, pending.ExitCode);
        Assert.Contains("restore a backup", check.Error + check.Output + pending.Error, StringComparison.Ordinal);
        Assert.Equal(truncated, File.ReadAllBytes(_home.DbPath));
    }

    [Fact]
    public void Database_from_a_newer_breaking_schema_is_refused_and_left_as_found()
    {
        using (var connection = new SqliteConnection($"Data Source={_home.DbPath};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations VALUES (90, 'split_queue', 'abc', 0, '2027-01-01T00:00:00.0000000Z', 1); PRAGMA user_version = 90;";
            command.ExecuteNonQuery();
        }

        CommandResult host = _home.Host("queue", "pending");
        CommandResult sidecar = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "j");
        CommandResult migrate = _home.Host("db", "migrate");

        Assert.Equal((6, 6, 6), (host.ExitCode, sidecar.ExitCode, migrate.ExitCode));
        Assert.Contains("0090_split_queue", host.Error, StringComparison.Ordinal);
        Assert.Contains("Upgrade this binary", host.Error, StringComparison.Ordinal);
        Assert.Equal(0, _home.Count("supervise_proposals"));
        Assert.Equal(BotBottle.Storage.Migrations.Migration.Embedded.Count + 1, _home.Count("schema_migrations"));
    }
}
