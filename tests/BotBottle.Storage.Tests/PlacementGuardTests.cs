using System;
using System.Collections.Generic;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>The placement policy over mount tables as /proc/self/mountinfo reports them.</summary>
public sealed class PlacementGuardTests
{
    private static IReadOnlyList<MountEntry> Mounts(params string[] mountPointAndType)
    {
        var lines = new List<string>();
        for (int i = 0; i < mountPointAndType.Length; i += 2)
        {
            lines.Add($"{30 + i} 1 0:{i} / {mountPointAndType[i]} rw,relatime shared:1 - {mountPointAndType[i + 1]} /dev/x rw");
        }

        return MountTable.Parse(lines);
    }

    private static StorageException Refused(string path, IReadOnlyList<MountEntry> mounts)
    {
        var error = Assert.Throws<StorageException>(() => PlacementGuard.Check(path, mounts));
        Assert.Equal(StorageErrorKind.UnsafePlacement, error.Kind);
        return error;
    }

    [Fact]
    public void Check_refuses_a_database_file_mounted_on_its_own()
    {
        StorageException error = Refused("/run/supervise/bot-bottle.db", Mounts("/", "ext4", "/run/supervise/bot-bottle.db", "ext4"));

        Assert.Contains("bind-mounted on its own", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mount the database's directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_refuses_the_container_path_when_its_directory_is_not_mounted()
    {
        StorageException error = Refused(HostPaths.DbPathInContainer, Mounts("/", "overlay", "/run", "tmpfs"));

        Assert.Contains("was not mounted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_accepts_the_container_path_on_a_mounted_local_directory()
        => PlacementGuard.Check(HostPaths.DbPathInContainer, Mounts("/", "overlay", "/run", "tmpfs", "/run/supervise", "ext4"));

    [Theory]
    [InlineData("nfs4")]
    [InlineData("nfs")]
    [InlineData("cifs")]
    [InlineData("smb3")]
    [InlineData("9p")]
    [InlineData("virtiofs")]
    [InlineData("fuse.sshfs")]
    [InlineData("fuseblk")]
    public void Check_refuses_a_network_or_vm_filesystem(string type)
    {
        StorageException error = Refused("/shared/db/bot-bottle.db", Mounts("/", "ext4", "/shared", type));

        Assert.Contains($"'{type}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("broker", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ext4")]
    [InlineData("xfs")]
    [InlineData("btrfs")]
    [InlineData("tmpfs")]
    [InlineData("overlay")]
    public void Check_accepts_a_local_filesystem(string type)
        => PlacementGuard.Check("/home/alice/.bot-bottle/db/bot-bottle.db", Mounts("/", "ext4", "/home", type));

    [Fact]
    public void Check_uses_the_innermost_mount_holding_the_path()
    {
        IReadOnlyList<MountEntry> mounts = Mounts("/", "ext4", "/data", "nfs4", "/data/local", "xfs");

        PlacementGuard.Check("/data/local/db/bot-bottle.db", mounts);
        Refused("/data/other/bot-bottle.db", mounts);
    }

    [Fact]
    public void Check_skips_when_the_os_has_no_mount_table()
        => PlacementGuard.Check("/anything/bot-bottle.db", null);

    [Fact]
    public void Parse_unescapes_mount_points_and_reads_the_type_after_the_separator()
    {
        IReadOnlyList<MountEntry> mounts = MountTable.Parse(["36 35 98:0 /src /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root rw", "garbage"]);

        Assert.Equal([new MountEntry("/mnt/with space", "ext3")], mounts);
    }

    [Fact]
    public void Check_reads_this_machines_real_mount_table()
    {
        using var temp = new TempDatabase();

        PlacementGuard.Check(temp.Path);
    }
}
