using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// UTF-8 text written straight to a file descriptor with write(2), for bot-bottle-propose's standard
/// output and error. Console's writers first set up the terminal (charset detection, signal
/// handling and its thread), measured at half a millisecond of a process that lives a few; and a
/// FileStream would pwrite at its own offset, so output and error sharing one file would overwrite
/// each other. Like Console, a reader that has gone away (EPIPE) or a descriptor that was closed
/// (EBADF) is not an error: there is nobody left to tell.
/// </summary>
internal sealed partial class DescriptorWriter : TextWriter
{
    private const int Interrupted = 4, BadDescriptor = 9, TryAgain = 11, BrokenPipe = 32;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly int _descriptor;
    private bool _readerGone;

    public DescriptorWriter(int descriptor)
    {
        _descriptor = descriptor;
        NewLine = "\n";
    }

    public override Encoding Encoding => Utf8;

    // TextWriter's own Write(char) would allocate an array per character.
    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        // Most writes are a line or less: those encode on the stack.
        int count = Utf8.GetByteCount(buffer);
        Span<byte> bytes = count <= 256 ? stackalloc byte[count] : new byte[count];
        Utf8.GetBytes(buffer, bytes);
        WriteAll(bytes);
    }

    public override void WriteLine(string? value) => Write(string.Concat(value, NewLine));

    private unsafe void WriteAll(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            int written = 0;
            while (written < bytes.Length && !_readerGone)
            {
                nint result = write(_descriptor, start + written, (nuint)(bytes.Length - written));
                if (result >= 0)
                {
                    written += (int)result;
                    continue;
                }

                switch (Marshal.GetLastPInvokeError())
                {
                    case Interrupted:
                        break;
                    case TryAgain:
                        // A non-blocking descriptor inherited from the caller: wait for room, as Console does.
                        System.Threading.Thread.Sleep(1);
                        break;
                    case BrokenPipe or BadDescriptor:
                        _readerGone = true;
                        break;
                    case int error:
                        throw new IOException($"Cannot write to file descriptor {_descriptor} (errno {error}).");
                }
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int descriptor, byte* buffer, nuint count);
}
