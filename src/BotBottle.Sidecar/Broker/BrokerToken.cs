using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using BotBottle.Storage.Errors;

namespace BotBottle.Sidecar.Broker;

/// <summary>
/// The per-bottle secret a TCP connection to the broker opens with. It lives in a file of mode 0600
/// that the host mounts into the sidecar only (never into the agent's container); the broker creates
/// it when it is missing and compares in constant time.
/// </summary>
internal sealed class BrokerToken
{
    /// <summary>The longest token, and so the largest frame the broker reads before it matches.</summary>
    public const int MaxBytes = 256;

    private readonly byte[] _secret;

    private BrokerToken(byte[] secret) => _secret = secret;

    /// <summary>What goes on the wire: the token's text as UTF-8.</summary>
    public ReadOnlySpan<byte> Bytes => _secret;

    /// <summary>The broker's side: reads <paramref name="path"/>, or creates it (0600, 256 random bits; missing directories 0700) when it does not exist.</summary>
    /// <exception cref="StorageException">CannotOpen when the file cannot be read or written, or is readable by others.</exception>
    public static BrokerToken LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            try
            {
                Storage.HostPaths.EnsureParentDirectory(path);
                using FileStream created = new(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                created.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) + "\n"));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new StorageException(StorageErrorKind.CannotOpen, $"Cannot create the broker token file {path}: {exception.Message}");
            }
        }

        return Load(path);
    }

    /// <summary>Reads the token from <paramref name="path"/>; surrounding whitespace is not part of it.</summary>
    /// <exception cref="StorageException">CannotOpen when the file is missing, unreadable, empty, too long or readable by group or others.</exception>
    public static BrokerToken Load(string path)
    {
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                throw new StorageException(StorageErrorKind.CannotOpen, $"The broker token file {path} is readable or writable by others; run: chmod 600 {path}");
            }

            string text = File.ReadAllText(path).Trim();
            byte[] secret = Encoding.UTF8.GetBytes(text);
            return secret.Length is > 0 and <= MaxBytes
                ? new BrokerToken(secret)
                : throw new StorageException(StorageErrorKind.CannotOpen, $"The broker token file {path} is empty or longer than {MaxBytes} bytes.");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(StorageErrorKind.CannotOpen, $"Cannot read the broker token file {path}: {exception.Message}");
        }
    }

    /// <summary>Constant-time comparison with what a client sent.</summary>
    public bool Matches(ReadOnlySpan<byte> offered) => CryptographicOperations.FixedTimeEquals(_secret, offered);
}
