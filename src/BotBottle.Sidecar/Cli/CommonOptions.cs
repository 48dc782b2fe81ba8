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

    /// <summary>serve, propose and doctor --sidecar: the host broker, for sidecars in a VM.</summary>
    public static Option<string?> Socket() => new("--broker", "--socket")
    {
        Description = $"Talk to the host broker instead of opening a database: unix:PATH (or a path) or tcp://HOST:PORT with --broker-token-file (default: {HostPaths.BrokerSocketInContainer} when it exists, which is how VM backends run).",
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
        option.Description = "The host broker's token file (0600), required for a tcp:// broker, and for a relay (a VM runtime's socket) in front of one. Mount it into the sidecar only, never into the agent's container.";
        option.HelpName = "PATH";
        return option;
    }

    /// <summary>The broker <paramref name="text"/> names, with the token file if one was given.</summary>
    public static BrokerClient ConnectBroker(ParseResult parse, string text, string slug, out string source)
    {
        BrokerAddress address;
        try
        {
            address = BrokerAddress.Parse(text);
        }
        catch (FormatException exception)
        {
            throw new UsageException("--broker: " + exception.Message);
        }

        BrokerToken? token = parse.GetValue<string?>(BrokerTokenFileName) is { } tokenFile ? BrokerToken.Load(tokenFile) : null;
        source = "broker " + address;
        return BrokerClient.Connect(address, slug, token);
    }

    /// <summary>
    /// The sidecar's queue, by the one rule: --socket, else --db, else the broker socket when it
    /// exists in /run/supervise, else the mounted database. A broker is asked at once whether it
    /// serves <paramref name="slug"/>; a database is opened and its schema checked.
    /// </summary>
    /// <param name="source">What was chosen, for logs: "broker PATH" or "db PATH".</param>
    public static ISidecarStore OpenSidecarQueue(ParseResult parse, Option<string?> socket, string slug, out string source)
        => OpenSidecarQueue(parse, socket, slug, out source, out _);

    /// <summary>
    /// As above, and the bottles table when the sidecar has the database (null behind a broker,
    /// where the host broker registers the bottle itself).
    /// </summary>
    public static ISidecarStore OpenSidecarQueue(ParseResult parse, Option<string?> socket, string slug, out string source, out Storage.Bottles.BottleStore? bottles)
    {
        bottles = null;
        string? socketPath = parse.GetValue(socket);
        string? dbPath = parse.GetValue(Db);
        if (socketPath is not null && dbPath is not null)
        {
            throw new UsageException("--broker and --db each choose where the queue is; give one.");
        }

        if (socketPath is null && dbPath is null && File.Exists(HostPaths.BrokerSocketInContainer))
        {
            socketPath = HostPaths.BrokerSocketInContainer;
        }

        if (socketPath is not null)
        {
            return ConnectBroker(parse, socketPath, slug, out source);
        }

        dbPath = SidecarDbPath(parse);
        source = "db " + dbPath;
        BotBottleDatabase database = BotBottleDatabase.OpenSidecar(dbPath, bottleSlug: slug);
        bottles = new Storage.Bottles.BottleStore(database);
        return new QueueStore(database).ForBottle(slug);
    }

    /// <summary>The host database: --db if given, else ~/.bot-bottle/db/bot-bottle.db. No environment variable is consulted.</summary>
    public static string HostDbPath(ParseResult parse) => parse.GetValue(Db) ?? HostPaths.ForCurrentUser().DbPath;

    /// <summary>The sidecar's database: --db if given, else the mounted /run/supervise/bot-bottle.db.</summary>
    public static string SidecarDbPath(ParseResult parse) => parse.GetValue(Db) ?? HostPaths.DbPathInContainer;

    /// <summary>
    /// Reads a file argument as strict UTF-8 ("-" reads standard input); a leading byte-order mark
    /// is dropped. Bytes that are not UTF-8 are refused with their offset, never replaced.
    /// </summary>
    public static string ReadFileArgument(string path, string optionName)
    {
        byte[] bytes;
        if (path == "-")
        {
            using Stream input = System.Console.OpenStandardInput();
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
