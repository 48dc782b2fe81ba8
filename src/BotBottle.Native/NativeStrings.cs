using System;
using System.Runtime.InteropServices;
using System.Text;

namespace BotBottle.Native;

/// <summary>
/// UTF-8 in and out across the boundary. Inputs are NUL-terminated, bounded and validated; outputs
/// are allocated with the C allocator and released by bb_free.
/// </summary>
internal static unsafe class NativeStrings
{
    /// <summary>The largest input string accepted: JSON of a 1 MiB file, escaped, with room to spare.</summary>
    public const int MaxInputBytes = 8 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a required string argument; throws <see cref="NativeArgumentException"/> when it is unusable.</summary>
    public static string Read(byte* value, string name)
        => ReadOptional(value, name) ?? throw new NativeArgumentException($"{name} is NULL.");

    public static string? ReadOptional(byte* value, string name)
    {
        if (value is null)
        {
            return null;
        }

        // Bounded scan: a missing terminator must not walk arbitrary memory forever.
        int length = 0;
        while (value[length] != 0)
        {
            if (++length > MaxInputBytes)
            {
                throw new NativeArgumentException($"{name} is longer than {MaxInputBytes} bytes (or not NUL-terminated).");
            }
        }

        try
        {
            return StrictUtf8.GetString(value, length);
        }
        catch (DecoderFallbackException)
        {
            throw new NativeArgumentException($"{name} is not valid UTF-8.");
        }
    }

    /// <summary>Copies <paramref name="value"/> to a malloc'd NUL-terminated UTF-8 buffer.</summary>
    public static byte* Allocate(string value)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)bytes + 1);
        fixed (char* chars = value)
        {
            Encoding.UTF8.GetBytes(chars, value.Length, buffer, bytes);
        }

        buffer[bytes] = 0;
        return buffer;
    }

    public static void Free(byte* value) => NativeMemory.Free(value);
}

/// <summary>An argument from the caller that cannot be used (NULL, too long, not UTF-8, bad JSON).</summary>
internal sealed class NativeArgumentException(string message) : Exception(message);
