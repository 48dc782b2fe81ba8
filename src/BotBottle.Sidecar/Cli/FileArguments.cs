using System;
using System.IO;

namespace BotBottle.Sidecar.Cli;

/// <summary>Files named on the command line, read as the store wants text: strict UTF-8.</summary>
internal static class FileArguments
{
    /// <summary>
    /// Reads a file argument as strict UTF-8 ("-" reads standard input); a leading byte-order mark
    /// is dropped. Bytes that are not UTF-8 are refused with their offset, never replaced.
    /// </summary>
    public static string Read(string path, string optionName)
    {
        byte[] bytes;
        if (path == "-")
        {
            bytes = ReadStandardInput(optionName);
        }
        else if (Directory.Exists(path))
        {
            throw new UsageException($"{optionName}: {path} is a directory; give a file.");
        }
        else if (!File.Exists(path))
        {
            throw new UsageException($"{optionName}: no file at {path}.");
        }
        else
        {
            bytes = File.ReadAllBytes(path);
        }

        return DecodeUtf8(bytes, optionName);
    }

    /// <summary>The most read from standard input: far past any file the store takes, and a bound on memory.</summary>
    internal const int MaxStandardInputBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Descriptor 0, read to its end or <see cref="MaxStandardInputBytes"/>. Read directly: System.Console
    /// would bring its terminal handling into bot-bottle-propose for one read. A process started with
    /// descriptor 0 closed may find one of its own files there (an endless one, even); the bound turns
    /// that into a usage error rather than a read without end.
    /// </summary>
    private static byte[] ReadStandardInput(string optionName)
    {
        using var input = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = input.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > MaxStandardInputBytes)
            {
                throw new UsageException($"{optionName}: standard input goes on past {MaxStandardInputBytes / (1024 * 1024)} MiB; give a file, or pipe in the file itself.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Strict UTF-8, without a leading byte-order mark.</summary>
    /// <exception cref="UsageException">Naming the first byte that is not UTF-8.</exception>
    public static string DecodeUtf8(ReadOnlySpan<byte> bytes, string what)
    {
        ReadOnlySpan<byte> text = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;
        if (System.Text.Unicode.Utf8.IsValid(text))
        {
            return System.Text.Encoding.UTF8.GetString(text);
        }

        int valid = 0;
        while (System.Text.Rune.DecodeFromUtf8(text[valid..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
        {
            valid += consumed;
        }

        throw new UsageException($"{what}: not UTF-8 text (byte {valid + (text.Length < bytes.Length ? 3 : 0)} is 0x{text[valid]:x2}); save it as UTF-8.");
    }
}
