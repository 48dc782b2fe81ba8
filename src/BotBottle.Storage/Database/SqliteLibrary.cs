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
/// so a missing library still fails with the same error. It also sets SQLitePCLRaw's provider, which
/// Microsoft.Data.Sqlite would otherwise find by reflection (the bundle's batteries, which the store
/// does not reference).
/// </summary>
internal static class SqliteLibrary
{
    private static readonly Lazy<SQLitePCL.ISQLite3Provider> Provider = new(static () =>
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A host process set its own resolver for the provider first; its choice stands.
        }

        var provider = new SQLitePCL.SQLite3Provider_e_sqlite3();
        SQLitePCL.raw.SetProvider(provider);
        return provider;
    });

    /// <summary>Installs the resolver and the provider once, before the first connection opens.</summary>
    /// <exception cref="DllNotFoundException">libe_sqlite3 is nowhere to be found.</exception>
    public static void PreferApplicationDirectory() => _ = Provider.Value;

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
