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
            using Stream input = Console.OpenStandardInput();
            using var buffer = new MemoryStream();
            input.CopyTo(buffer);
            bytes = buffer.ToArray();
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
