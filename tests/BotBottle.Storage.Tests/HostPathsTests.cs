using System;
using System.IO;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class HostPathsTests : IDisposable
{
    private readonly TempDatabase _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void DbPathInContainer_is_the_mounted_directory_path()
        => Assert.Equal("/run/supervise/bot-bottle.db", HostPaths.DbPathInContainer);

    [Fact]
    public void HostPaths_puts_the_database_in_its_own_directory_under_the_root()
    {
        var paths = new HostPaths("/home/alice");

        Assert.Equal("/home/alice/.bot-bottle", paths.Root);
        Assert.Equal("/home/alice/.bot-bottle/db", paths.DbDirectory);
        Assert.Equal("/home/alice/.bot-bottle/db/bot-bottle.db", paths.DbPath);
    }

    [Fact]
    public void HostPaths_throws_when_home_is_relative()
        => Assert.Throws<ArgumentException>(() => new HostPaths("relative/home"));

    [Fact]
    public void OpenHost_creates_directories_0700_and_database_0600()
    {
        var paths = new HostPaths(_temp.Directory);

        BotBottleDatabase database = BotBottleDatabase.OpenHost(paths.DbPath);

        // The -wal file exists only while a connection is open; hold one (pools are cleared by other tests).
        using Microsoft.Data.Sqlite.SqliteConnection connection = database.OpenConnection();
        using (Microsoft.Data.Sqlite.SqliteCommand read = connection.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM supervise_proposals;";
            read.ExecuteScalar();
        }

        Assert.Equal(HostPaths.DirectoryMode, File.GetUnixFileMode(paths.Root));
        Assert.Equal(HostPaths.DirectoryMode, File.GetUnixFileMode(paths.DbDirectory));
        Assert.Equal(HostPaths.FileMode, File.GetUnixFileMode(paths.DbPath));
        Assert.True(File.Exists(paths.DbPath + "-wal"), "WAL file next to the database");
        Assert.Equal(HostPaths.FileMode, File.GetUnixFileMode(paths.DbPath + "-wal"));
    }

    [Fact]
    public void OpenHost_leaves_an_existing_directory_mode_alone()
    {
        string existing = Path.Combine(_temp.Directory, "shared");
        Directory.CreateDirectory(existing);
        File.SetUnixFileMode(existing, HostPaths.DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        BotBottleDatabase.OpenHost(Path.Combine(existing, "db", "bot-bottle.db"));

        Assert.Equal(HostPaths.DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(existing));
    }

    [Fact]
    public void OpenHost_throws_cannot_open_when_a_directory_stands_at_the_database_path()
    {
        Directory.CreateDirectory(_temp.Path);

        var error = Assert.Throws<StorageException>(() => BotBottleDatabase.OpenHost(_temp.Path));

        Assert.Equal(StorageErrorKind.CannotOpen, error.Kind);
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenSidecar_throws_cannot_open_and_creates_nothing_when_database_is_missing()
    {
        var error = Assert.Throws<StorageException>(() => BotBottleDatabase.OpenSidecar(_temp.Path));

        Assert.Equal(StorageErrorKind.CannotOpen, error.Kind);
        Assert.Contains("Only the host creates it", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(_temp.Path)));
    }

    [Fact]
    public void OpenHost_throws_corrupt_when_the_file_is_not_sqlite()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_temp.Path)!);
        File.WriteAllText(_temp.Path, new string('x', 8192));

        var error = Assert.Throws<StorageException>(() => BotBottleDatabase.OpenHost(_temp.Path));

        Assert.Equal(StorageErrorKind.Corrupt, error.Kind);
        Assert.Equal(new string('x', 8192), File.ReadAllText(_temp.Path));
    }
}
