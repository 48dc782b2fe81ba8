using System;
using System.IO;

namespace BotBottle.Storage.Limits;

/// <summary>Free space on the filesystem holding a file, as an unprivileged writer can use it.</summary>
internal static class FreeSpace
{
    /// <summary>Bytes available on the filesystem of <paramref name="path"/>'s directory, or null when it cannot be told.</summary>
    public static long? AvailableBytes(string path)
    {
        try
        {
            // On Unix DriveInfo takes any path and asks statvfs about the filesystem holding it.
            string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
