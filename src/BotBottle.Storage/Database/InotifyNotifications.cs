using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace BotBottle.Storage.Database;

/// <summary>
/// inotify on the database's directory: reports writes to the database file and its <c>-wal</c>, by
/// whichever process and through whichever mount of the directory (inotify watches the inode, so a
/// container's bind mount of the same directory counts). The fallback where dnotify is missing
/// (<see cref="DnotifyNotifications"/> says why it comes first). Used by one thread at a time.
/// </summary>
internal sealed unsafe partial class InotifyNotifications : DirectoryNotifications
{
    private const int InNonBlock = 0x800, InCloexec = 0x80000;
    private const uint InModify = 0x2, InCloseWrite = 0x8, InMovedTo = 0x80, InCreate = 0x100;
    private const uint InDeleteSelf = 0x400, InMoveSelf = 0x800, InQueueOverflow = 0x4000, InIgnored = 0x8000, InOnlyDir = 0x1000000;
    private const uint WatchMask = InModify | InCloseWrite | InMovedTo | InCreate | InDeleteSelf | InMoveSelf | InOnlyDir;
    private const short PollIn = 0x1;
    private const int Eintr = 4;

    private readonly int _fd;
    private readonly byte[] _databaseName;
    private readonly byte[] _walName;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private bool _disposed;

    private InotifyNotifications(int fd, string databasePath)
    {
        _fd = fd;
        string name = Path.GetFileName(databasePath);
        _databaseName = Encoding.UTF8.GetBytes(name);
        _walName = Encoding.UTF8.GetBytes(name + "-wal");
    }

    /// <inheritdoc />
    public override string Name => "inotify";

    /// <summary>Watches the directory of <paramref name="databasePath"/>, or returns null and why it cannot.</summary>
    public static InotifyNotifications? TryOpen(string databasePath, out string? problem)
    {
        int fd = inotify_init1(InNonBlock | InCloexec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            problem = errno == 24 // EMFILE: fs.inotify.max_user_instances reached
                ? "inotify_init1 failed: this user has reached fs.inotify.max_user_instances (raise it with sysctl)"
                : $"inotify_init1 failed ({Marshal.GetPInvokeErrorMessage(errno)})";
            return null;
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        if (inotify_add_watch(fd, directory, WatchMask) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = close(fd);
            problem = errno == 28 // ENOSPC: fs.inotify.max_user_watches reached
                ? $"inotify cannot watch {directory}: this user has reached fs.inotify.max_user_watches (raise it with sysctl)"
                : $"inotify cannot watch {directory} ({Marshal.GetPInvokeErrorMessage(errno)})";
            return null;
        }

        problem = null;
        return new InotifyNotifications(fd, databasePath);
    }

    /// <inheritdoc />
    public override bool Wait(int timeoutMs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var descriptor = new PollDescriptor { Fd = _fd, Events = PollIn };
        int ready = poll(&descriptor, 1, timeoutMs);
        if (ready < 0)
        {
            // EINTR: nothing is known, so report a possible change; the caller's data_version read decides.
            return Marshal.GetLastPInvokeError() == Eintr;
        }

        return ready > 0 && Drain();
    }

    private bool Drain()
    {
        bool relevant = false;
        fixed (byte* buffer = _buffer)
        {
            while (true)
            {
                nint length = read(_fd, buffer, (nuint)_buffer.Length);
                if (length <= 0)
                {
                    // EAGAIN: drained.
                    return relevant;
                }

                for (nint offset = 0; offset < length;)
                {
                    var header = (EventHeader*)(buffer + offset);
                    if ((header->Mask & (InIgnored | InDeleteSelf | InMoveSelf)) != 0)
                    {
                        // The watched directory is gone or moved: nothing more will arrive on this watch.
                        WatchLost = true;
                        relevant = true;
                    }
                    else if ((header->Mask & InQueueOverflow) != 0)
                    {
                        relevant = true;
                    }
                    else if (header->NameLength > 0 && NameIs(new ReadOnlySpan<byte>(buffer + offset + sizeof(EventHeader), (int)header->NameLength)))
                    {
                        relevant = true;
                    }

                    offset += sizeof(EventHeader) + (nint)header->NameLength;
                }
            }
        }
    }

    private bool NameIs(ReadOnlySpan<byte> paddedName)
    {
        // The kernel pads the name with NULs to the event's alignment.
        int end = paddedName.IndexOf((byte)0);
        ReadOnlySpan<byte> name = end < 0 ? paddedName : paddedName[..end];
        return name.SequenceEqual(_walName) || name.SequenceEqual(_databaseName);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = close(_fd);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct EventHeader
    {
        public int WatchDescriptor;
        public uint Mask;
        public uint Cookie;
        public uint NameLength;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int inotify_init1(int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int inotify_add_watch(int fd, string path, uint mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollDescriptor* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
