using System.CommandLine;
using BotBottle.Storage;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// The database a host command works on: <c>--db</c> (a file or a <c>postgres://</c> URL), else the
/// host's fleet config, else its SQLite file (<see cref="Stores.Locate"/>). Commands get
/// <see cref="Stores"/> and never care which engine is behind them.
/// </summary>
internal static class HostDatabase
{
    /// <summary>Where this command's data is.</summary>
    public static string Location(ParseResult parse) => Stores.Locate(parse.GetValue(CommonOptions.Db));

    /// <summary>Opens it as the operator (<see cref="Stores.OpenHost"/>).</summary>
    public static Stores Open(ParseResult parse, bool create = true) => Stores.OpenHost(Location(parse), create);

    /// <summary>Opens it for a host broker serving <paramref name="slug"/> (<see cref="Stores.OpenBroker"/>).</summary>
    public static Stores OpenForBroker(ParseResult parse, string slug) => Stores.OpenBroker(Location(parse), slug);
}
