using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace BotBottle.Storage.Database;

/// <summary>
/// Loads SQLite from beside the executable first. SQLitePCLRaw imports "e_sqlite3"; the runtime's
/// own search tries that name in every system library directory (about forty failed opens, traced)
/// before it reaches libe_sqlite3.so in the application's directory, where bot-bottle ships it. A
/// resolver that finds nothing there returns nothing, and the runtime's search goes on as before,
/// so a missing library still fails with the same error.
/// </summary>
internal static class SqliteLibrary
{
    private static readonly Lazy<bool> Installed = new(static () =>
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, Resolve);
            return true;
        }
        catch (InvalidOperationException)
        {
            // A host process set its own resolver for the provider first; its choice stands.
            return false;
        }
    });

    /// <summary>Installs the resolver once, before the first connection opens.</summary>
    public static void PreferApplicationDirectory() => _ = Installed.Value;

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "e_sqlite3" || !OperatingSystem.IsLinux())
        {
            return IntPtr.Zero;
        }

        string beside = Path.Combine(AppContext.BaseDirectory, "libe_sqlite3.so");
        return NativeLibrary.TryLoad(beside, out IntPtr handle) ? handle : IntPtr.Zero;
    }
}
