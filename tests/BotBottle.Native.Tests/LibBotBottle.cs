using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace BotBottle.Native.Tests;

/// <summary>A published build of the library: its file name without the extension.</summary>
internal interface IPublishedLibrary
{
    static abstract string Stem { get; }
}

/// <summary>libbotbottle: SQLite only, what single-host processes load.</summary>
internal sealed class SqliteLibrary : IPublishedLibrary
{
    public static string Stem => "libbotbottle";
}

/// <summary>libbotbottle-fleet: the same exports, with fleet mode's PostgreSQL.</summary>
internal sealed class FleetLibrary : IPublishedLibrary
{
    public static string Stem => "libbotbottle-fleet";
}

/// <summary>A published library, loaded once per build, with each export as a function pointer.</summary>
internal static unsafe class LibBotBottle<TLibrary>
    where TLibrary : IPublishedLibrary
{
    public const int Ok = 0, InvalidArgument = 1, NotFound = 2, AlreadyAnswered = 3, InvalidHandle = 20, TimedOut = 21, Closed = 22;

    private static readonly nint Library = NativeLibrary.Load(Locate());

    public static readonly delegate* unmanaged<byte*, nint*, int> Open = (delegate* unmanaged<byte*, nint*, int>)Export("bb_open");
    public static readonly delegate* unmanaged<nint, int> Close = (delegate* unmanaged<nint, int>)Export("bb_close");
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> WriteProposal = (delegate* unmanaged<nint, byte*, byte**, int>)Export("bb_write_proposal");
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> ReadProposal = (delegate* unmanaged<nint, byte*, byte**, int>)Export("bb_read_proposal");
    public static readonly delegate* unmanaged<nint, byte*, byte*, byte**, int> ReadBottleProposal = (delegate* unmanaged<nint, byte*, byte*, byte**, int>)Export("bb_read_bottle_proposal");
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> ListPending = (delegate* unmanaged<nint, byte*, byte**, int>)Export("bb_list_pending_proposals");
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> Decide = (delegate* unmanaged<nint, byte*, byte**, int>)Export("bb_decide");
    public static readonly delegate* unmanaged<nint, byte*, int> WriteResponse = (delegate* unmanaged<nint, byte*, int>)Export("bb_write_response");
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> ReadResponse = (delegate* unmanaged<nint, byte*, byte**, int>)Export("bb_read_response");
    public static readonly delegate* unmanaged<nint, byte*, long, byte**, int> WaitForResponse = (delegate* unmanaged<nint, byte*, long, byte**, int>)Export("bb_wait_for_response");
    public static readonly delegate* unmanaged<nint, byte*, int> Archive = (delegate* unmanaged<nint, byte*, int>)Export("bb_archive_proposal");
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> WriteAudit = (delegate* unmanaged<nint, byte*, byte**, int>)Export("bb_write_audit_entry");
    public static readonly delegate* unmanaged<nint, byte*, byte**, int> ReadAudit = (delegate* unmanaged<nint, byte*, byte**, int>)Export("bb_read_audit_entries");
    public static readonly delegate* unmanaged<byte*> LastError = (delegate* unmanaged<byte*>)Export("bb_last_error");
    public static readonly delegate* unmanaged<byte*, void> Free = (delegate* unmanaged<byte*, void>)Export("bb_free");

    /// <summary>Opens a database; returns the code and the handle.</summary>
    public static (int Code, nint Handle) OpenAt(string path)
    {
        byte* utf8 = Utf8(path);
        nint handle;
        int code = Open(utf8, &handle);
        Release(utf8);
        return (code, handle);
    }

    /// <summary>Calls an export taking (handle, string) and returning JSON; reads and frees the JSON.</summary>
    public static (int Code, string? Json) CallJson(delegate* unmanaged<nint, byte*, byte**, int> function, nint handle, string? argument)
    {
        byte* input = argument is null ? null : Utf8(argument);
        byte* output = (byte*)1;
        int code = function(handle, input, &output);
        if (input is not null)
        {
            Release(input);
        }

        return (code, Take(output));
    }

    /// <summary>bb_wait_for_response with managed arguments.</summary>
    public static (int Code, string? Json) Wait(nint handle, string id, long timeoutMs)
    {
        byte* proposalId = Utf8(id);
        byte* output;
        int code = WaitForResponse(handle, proposalId, timeoutMs, &output);
        Release(proposalId);
        return (code, Take(output));
    }

    /// <summary>The calling thread's last error message, released after reading.</summary>
    public static string? TakeLastError() => Take(LastError());

    /// <summary>Reads and frees a library string.</summary>
    public static string? Take(byte* value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8((nint)value);
        }
        finally
        {
            Free(value);
        }
    }

    /// <summary>A NUL-terminated UTF-8 copy the caller frees with <see cref="Marshal.FreeHGlobal"/>.</summary>
    public static byte* Utf8(string value) => (byte*)Marshal.StringToCoTaskMemUTF8(value);

    public static void Release(byte* value) => Marshal.FreeCoTaskMem((nint)value);

    private static nint Export(string name) => NativeLibrary.GetExport(Library, name);

    /// <summary>bb_last_error after a call that returned <paramref name="code"/> (empty after success); read it on the thread that failed.</summary>
    public static string TakeLastErrorOn(int code) => code == Ok ? string.Empty : TakeLastError() ?? string.Empty;

    /// <summary>The directory of the published binaries under test.</summary>
    public static string Dist => Path.GetDirectoryName(Locate())!;

    private static string Locate()
    {
        string directory = Environment.GetEnvironmentVariable("BOTBOTTLE_DIST") is { Length: > 0 } dist
            ? dist
            : Path.Combine(RepoRoot(), "dist", "linux-x64");
        string path = Path.Combine(directory, TLibrary.Stem + (OperatingSystem.IsMacOS() ? ".dylib" : ".so"));
        return File.Exists(path) ? path : throw new FileNotFoundException($"No published {TLibrary.Stem} at {path}; run 'bash build/test.sh' (it publishes first).");
    }

    private static string RepoRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "BotBottle.Sidecar.sln")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }
}
