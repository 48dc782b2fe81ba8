using System;
using System.IO;
using BotBottle.Sidecar.Broker;
using BotBottle.Storage;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// The one rule for where a sidecar's queue is, from plain option values, so that serve, doctor,
/// propose and bot-bottle-propose (which has its own small parser) all choose alike.
/// </summary>
internal static class SidecarQueue
{
    /// <summary>
    /// The sidecar's queue: <paramref name="broker"/>, else <paramref name="db"/>, else the broker
    /// socket when it exists in /run/supervise, else the mounted database. A broker is asked at once
    /// whether it serves <paramref name="slug"/>; a database is opened and its schema checked.
    /// </summary>
    /// <param name="source">What was chosen, for logs: "broker PATH" or "db PATH".</param>
    /// <param name="bottles">The bottles table when the sidecar has the database; null behind a broker, which registers the bottle itself.</param>
    public static ISidecarStore Open(string? broker, string? db, string? brokerTokenFile, string slug, out string source, out BottleStore? bottles)
    {
        bottles = null;
        if (broker is not null && db is not null)
        {
            throw new UsageException("--broker and --db each choose where the queue is; give one.");
        }

        if (broker is null && db is null && File.Exists(HostPaths.BrokerSocketInContainer))
        {
            broker = HostPaths.BrokerSocketInContainer;
        }

        if (broker is not null)
        {
            return ConnectBroker(broker, brokerTokenFile, slug, out source);
        }

        db ??= HostPaths.DbPathInContainer;
        source = "db " + db;
        BotBottleDatabase database = BotBottleDatabase.OpenSidecar(db, bottleSlug: slug);
        bottles = new BottleStore(database);
        return new QueueStore(database).ForBottle(slug);
    }

    /// <summary>The broker <paramref name="text"/> names, with the token file if one was given.</summary>
    public static BrokerClient ConnectBroker(string text, string? tokenFile, string slug, out string source)
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

        BrokerToken? token = tokenFile is null ? null : BrokerToken.Load(tokenFile);
        source = "broker " + address;
        return BrokerClient.Connect(address, slug, token);
    }
}
