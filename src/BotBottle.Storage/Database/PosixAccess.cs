using System.Runtime.InteropServices;

namespace BotBottle.Storage.Database;

/// <summary>The few POSIX calls the health check and doctor need: who this process is, and what it may do to a path (read-only mounts included).</summary>
internal static partial class PosixAccess
{
    private const int ReadOk = 4, WriteOk = 2, ExecuteOk = 1;

    public static uint EffectiveUserId => geteuid();

    public static uint EffectiveGroupId => getegid();

    /// <summary>Whether this process may create and delete files in <paramref name="directory"/> (the -wal and -shm files).</summary>
    public static bool CanWriteDirectory(string directory) => access(directory, WriteOk | ExecuteOk) == 0;

    public static bool CanReadWrite(string file) => access(file, ReadOk | WriteOk) == 0;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string path, int mode);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc")]
    private static partial uint getegid();
}
