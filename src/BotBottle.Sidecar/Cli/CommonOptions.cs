using System.CommandLine;
using System.IO;
using BotBottle.Storage;

namespace BotBottle.Sidecar.Cli;

/// <summary>Options shared by several commands, and the one rule for choosing the database.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Db = new("--db")
    {
        Description = "Use this database file instead of the default (host commands: ~/.bot-bottle/db/bot-bottle.db; serve and propose: /run/supervise/bot-bottle.db). For tests and development.",
        HelpName = "PATH",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print JSON for scripts instead of a table.",
    };

    /// <summary>The host database: --db if given, else ~/.bot-bottle/db/bot-bottle.db. No environment variable is consulted.</summary>
    public static string HostDbPath(ParseResult parse) => parse.GetValue(Db) ?? HostPaths.ForCurrentUser().DbPath;

    /// <summary>The sidecar's database: --db if given, else the mounted /run/supervise/bot-bottle.db.</summary>
    public static string SidecarDbPath(ParseResult parse) => parse.GetValue(Db) ?? HostPaths.DbPathInContainer;

    /// <summary>Reads a file argument; "-" reads standard input.</summary>
    public static string ReadFileArgument(string path, string optionName)
    {
        if (path == "-")
        {
            return System.Console.In.ReadToEnd();
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"{optionName}: no file at {path}.");
        }

        return File.ReadAllText(path);
    }
}
