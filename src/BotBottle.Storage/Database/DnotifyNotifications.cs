using System;
using System.IO;
using System.Runtime.InteropServices;

namespace BotBottle.Storage.Database;

/// <summary>
/// dnotify (<c>fcntl(F_NOTIFY)</c>) on the database's directory, its SIGIO aimed at the one thread
/// that waits, which blocks the signal and takes it with <c>sigtimedwait</c>: no handler is
/// installed and no other thread of the process (a host's Python, the .NET runtime) ever sees it.
/// <para>
/// Why not inotify first: the last reference to an inotify instance is released with an SRCU grace
/// period, and at process exit that runs before the parent can reap it, so a <c>propose --wait</c>
/// that held one exited 6-20 ms after its answer (<c>build/bench/inotify_exit.py</c>). dnotify's
/// marks belong to one kernel-wide group and are freed later by a worker, so the exit does not wait.
/// dnotify cannot tell which file changed, so any write in the directory wakes the waiter; the
/// database's directory holds only the database.
/// </para>
/// </summary>
internal sealed unsafe partial class DnotifyNotifications : DirectoryNotifications
{
    private const int FSetOwnEx = 15, FNotify = 1026, FOwnerTid = 0;
    private const uint DnModify = 0x2, DnCreate = 0x4, DnDelete = 0x8, DnRename = 0x10, DnMultishot = 0x80000000;
    private const int OpenReadOnly = 0, OpenCloseOnExec = 0x80000;

    // The same numbers on x86-64 and arm64 Linux.
    private const int SigIo = 29, SigBlock = 0, SigUnblock = 1, Eagain = 11;

    private readonly int _fd;
    private readonly string _directory;
    private readonly FileIdentity _watched;
    private readonly bool _wasBlocked;
    private SignalSet _set;
    private bool _disposed;

    private DnotifyNotifications(int fd, string directory, FileIdentity watched, SignalSet set, bool wasBlocked)
    {
        _fd = fd;
        _directory = directory;
        _watched = watched;
        _set = set;
        _wasBlocked = wasBlocked;
    }

    /// <inheritdoc />
    public override string Name => "dnotify";

    /// <summary>Watches the directory of <paramref name="databasePath"/> for the calling thread, or returns null and why it cannot.</summary>
    public static DnotifyNotifications? TryOpen(string databasePath, out string? problem)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;

        // Blocked before the watch exists, so the signal can only ever be pending for this thread.
        SignalSet set = SignalSet.Of(SigIo), old;
        _ = pthread_sigmask(SigBlock, &set, &old);
        bool wasBlocked = old.Contains(SigIo);

        int fd = open(directory, OpenReadOnly | OpenCloseOnExec);
        if (fd < 0)
        {
            Unblock(set, wasBlocked);
            problem = $"dnotify cannot open {directory} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})";
            return null;
        }

        // The owner first: F_NOTIFY sets the process as owner only when the file has none.
        var owner = new OwnerEx { Type = FOwnerTid, Pid = gettid() };
        if (fcntl(fd, FSetOwnEx, (nint)(&owner)) < 0
            || fcntl(fd, FNotify, unchecked((nint)(DnModify | DnCreate | DnDelete | DnRename | DnMultishot))) < 0
            || Identity(fd, null) is not { } watched)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = close(fd);
            Unblock(set, wasBlocked);
            problem = $"dnotify cannot watch {directory} ({Marshal.GetPInvokeErrorMessage(errno)})";
            return null;
        }

        problem = null;
        return new DnotifyNotifications(fd, directory, watched, set, wasBlocked);
    }

    /// <inheritdoc />
    public override bool Wait(int timeoutMs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var timeout = new TimeSpec { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000L };
        fixed (SignalSet* set = &_set)
        {
            bool woken = sigtimedwait(set, null, &timeout) == SigIo || Marshal.GetLastPInvokeError() != Eagain;

            // No event says the directory itself went away; its identity does. EINTR (the runtime
            // suspending threads) says nothing, so it counts as a possible change like a wake.
            if (Identity(-1, _directory) != _watched)
            {
                WatchLost = true;
                return true;
            }

            return woken;
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = close(_fd);

            // A signal sent before the close stays pending for this thread; take it, so nothing is left behind.
            var none = default(TimeSpec);
            fixed (SignalSet* set = &_set)
            {
                while (sigtimedwait(set, null, &none) == SigIo)
                {
                }
            }

            // The thread may be one the caller goes on using (doctor's probe): leave its mask as it was.
            Unblock(_set, _wasBlocked);
        }
    }

    private static void Unblock(SignalSet set, bool wasBlocked)
    {
        if (!wasBlocked)
        {
            _ = pthread_sigmask(SigUnblock, &set, null);
        }
    }

    /// <summary>The device and inode of <paramref name="fd"/>, or of <paramref name="path"/> when fd is -1; null if it cannot be read.</summary>
    private static FileIdentity? Identity(int fd, string? path)
    {
        // struct stat differs between x86-64 and arm64, but both begin with st_dev and st_ino.
        byte* buffer = stackalloc byte[256];
        int result = path is null ? fstat(fd, buffer) : stat(path, buffer);
        return result == 0 ? new FileIdentity(*(ulong*)buffer, *(ulong*)(buffer + 8)) : null;
    }

    private readonly record struct FileIdentity(ulong Device, ulong Inode);

    /// <summary>glibc's sigset_t: 1024 bits.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SignalSet
    {
        private fixed ulong _bits[16];

        public static SignalSet Of(int signal)
        {
            var set = default(SignalSet);
            set._bits[0] = 1UL << (signal - 1);
            return set;
        }

        public readonly bool Contains(int signal) => (_bits[0] & (1UL << (signal - 1))) != 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OwnerEx
    {
        public int Type;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, nint argument);

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc")]
    private static partial int pthread_sigmask(int how, SignalSet* set, SignalSet* old);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sigtimedwait(SignalSet* set, void* info, TimeSpec* timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fstat(int fd, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int stat(string path, byte* buffer);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
