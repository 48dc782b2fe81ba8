using System;
using System.CommandLine;
using System.IO;
using BotBottle.Sidecar.Broker;
using BotBottle.Storage;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Cli;

/// <summary>Options shared by several commands, and the one rule for choosing the database.</summary>
internal static class CommonOptions
{
    // The descriptions are constants so bot-bottle-propose's own parser shows the same words
    // without touching this class, whose options would bring System.CommandLine into it.
    public const string DbDescription = "Use this database file instead of the default (host commands: ~/.bot-bottle/db/bot-bottle.db; serve and propose: /run/supervise/bot-bottle.db). For tests and development.";

    public const string JsonDescription = "Print JSON for scripts instead of a table.";

    public const string BrokerDescription = $"Talk to the host broker instead of opening a database: unix:PATH (or a path) or tcp://HOST:PORT with --broker-token-file (default: {HostPaths.BrokerSocketInContainer} when it exists, which is how VM backends run).";

    public const string BrokerTokenFileDescription = "The host broker's token file (0600), required for a tcp:// broker, and for a relay (a VM runtime's socket) in front of one. Mount it into the sidecar only, never into the agent's container.";

    public static readonly Option<string?> Db = new("--db")
    {
        Description = DbDescription,
        HelpName = "PATH",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = JsonDescription,
    };

    /// <summary>serve, propose and doctor --sidecar: the host broker, for sidecars in a VM.</summary>
    public static Option<string?> Socket() => new("--broker", "--socket")
    {
        Description = BrokerDescription,
        HelpName = "ADDRESS",
    };

    private const string BrokerTokenFileName = "--broker-token-file";

    /// <summary>
    /// The broker's token, which a TCP broker requires; mounted into the sidecar only. propose and
    /// doctor also take it as --token-file; serve cannot, where --token-file is the MCP bearer token.
    /// </summary>
    public static Option<string?> BrokerTokenFile(bool alsoTokenFile)
    {
        Option<string?> option = alsoTokenFile ? new(BrokerTokenFileName, "--token-file") : new(BrokerTokenFileName);
        option.Description = BrokerTokenFileDescription;
        option.HelpName = "PATH";
        return option;
    }

    /// <summary>The broker <paramref name="text"/> names, with the token file if one was given.</summary>
    public static BrokerClient ConnectBroker(ParseResult parse, string text, string slug, out string source)
        => SidecarQueue.ConnectBroker(text, parse.GetValue<string?>(BrokerTokenFileName), slug, out source);

    /// <summary>The sidecar's queue from the parsed options, by <see cref="SidecarQueue.Open"/>'s one rule.</summary>
    public static ISidecarStore OpenSidecarQueue(ParseResult parse, Option<string?> socket, string slug, out string source, out Storage.Bottles.BottleStore? bottles)
        => SidecarQueue.Open(parse.GetValue(socket), parse.GetValue(Db), parse.GetValue<string?>(BrokerTokenFileName), slug, out source, out bottles);

    /// <summary>The host database: --db if given, else ~/.bot-bottle/db/bot-bottle.db. No environment variable is consulted.</summary>
    public static string HostDbPath(ParseResult parse) => parse.GetValue(Db) ?? HostPaths.ForCurrentUser().DbPath;

    /// <summary>The sidecar's database: --db if given, else the mounted /run/supervise/bot-bottle.db.</summary>
    public static string SidecarDbPath(ParseResult parse) => parse.GetValue(Db) ?? HostPaths.DbPathInContainer;
}
