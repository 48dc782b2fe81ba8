using System;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Hashing;

/// <summary>
/// SHA-256 for proposals' current files and the audit chain. On Linux .NET computes it with
/// OpenSSL, and when no libssl can be loaded the runtime aborts the whole process. This checks
/// first and throws a <see cref="StorageErrorKind.MissingDependency"/> error naming the package
/// instead, so a minimal image without OpenSSL gets a sentence rather than a crash.
/// </summary>
public static class Sha256
{
    /// <summary>The sonames .NET's OpenSSL shim tries, newest first.</summary>
    private static readonly string[] LibSslNames = ["libssl.so.3", "libssl.so.1.1", "libssl.so.1.0.2", "libssl.so.1.0.0", "libssl.so.10"];

    private static readonly Lazy<bool> OpenSslLoads = new(static () =>
    {
        foreach (string name in LibSslNames)
        {
            if (NativeLibrary.TryLoad(name, out IntPtr handle))
            {
                NativeLibrary.Free(handle);
                return true;
            }
        }

        return false;
    });

    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of <paramref name="text"/>.</summary>
    /// <exception cref="StorageException">MissingDependency when, on Linux, OpenSSL's libssl cannot be loaded.</exception>
    public static string Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        RequireProvider();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Throws the clear error up front where hashing would abort the process.</summary>
    /// <exception cref="StorageException">MissingDependency when, on Linux, OpenSSL's libssl cannot be loaded.</exception>
    public static void RequireProvider()
    {
        if (OperatingSystem.IsLinux() && !OpenSslLoads.Value)
        {
            throw new StorageException(
                StorageErrorKind.MissingDependency,
                "SHA-256 needs OpenSSL, and no libssl could be loaded (tried libssl.so.3 and older). Install it: 'apt-get install libssl3' on Debian/Ubuntu, 'apk add libssl3' on Alpine, 'dnf install openssl-libs' on Fedora.");
        }
    }
}
