using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using BotBottle.Storage;
using BotBottle.Storage.Diagnostics;
using BotBottle.Storage.Errors;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>doctor</c>: checks everything that decides whether the store is safe to use here.</summary>
internal static class DoctorCommand
{
    public static Command Build(CliContext cli)
    {
        var sidecar = new Option<bool>("--sidecar") { Description = "Check as a sidecar sees it (/run/supervise/bot-bottle.db, mounted from the host, or the host broker's socket when it exists) instead of the host's database." };
        Option<string?> socket = CommonOptions.Socket();
        var slug = new Option<string?>("--slug") { Description = "With --sidecar on a VM backend: the bottle this sidecar serves, to check that the broker serves it." };
        var command = new Command("doctor", "Check the database's placement, filesystem, mount layout, owner and permissions, journal mode, schema and integrity (or, for a sidecar behind a host broker, that the broker answers for its bottle): one line each. Changes nothing: the database is opened read-only and never migrated or switched to WAL.\n\nExit codes: 0 every check passed; 15 a check failed (each FAIL line says what to do).") { sidecar, socket, CommonOptions.BrokerTokenFile, slug };
        command.SetAction(parse =>
        {
            bool asSidecar = parse.GetValue(sidecar);
            string? socketPath = parse.GetValue(socket) ?? (asSidecar && parse.GetValue(CommonOptions.Db) is null && File.Exists(HostPaths.BrokerSocketInContainer) ? HostPaths.BrokerSocketInContainer : null);
            IReadOnlyList<DoctorCheck> results = socketPath is not null
                ? [CheckBroker(parse, socketPath, parse.GetValue(slug))]
                : DatabaseDoctor.Examine(asSidecar ? CommonOptions.SidecarDbPath(parse) : CommonOptions.HostDbPath(parse), asSidecar);
            int width = results.Max(static r => r.Name.Length);
            foreach (DoctorCheck result in results)
            {
                cli.Output.WriteLine($"{result.Name.PadRight(width)}  {(result.Ok ? "ok  " : "FAIL")}  {Storage.Text.AgentText.Visible(result.Detail, multiline: false)}");
            }

            return results.All(static r => r.Ok) ? ExitCodes.Success : ExitCodes.DoctorFailed;
        });
        return command;
    }

    /// <summary>Behind a broker the database is the host's and never opened here: what matters is that the broker answers for this bottle.</summary>
    private static DoctorCheck CheckBroker(ParseResult parse, string broker, string? slug)
    {
        if (slug is null)
        {
            return new("broker", false, $"{broker} is present, so this sidecar uses the host broker; pass --slug to check that it serves this bottle");
        }

        try
        {
            // Connect, authenticate (tcp), and the broker says it serves this slug: the whole path, timed.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Broker.BrokerClient client = CommonOptions.ConnectBroker(parse, broker, slug, out _);
            return new("broker", true, $"{client.Address} answers for bottle {slug} in {clock.Elapsed.TotalMilliseconds:0.0} ms; the database is the host's and is not opened here");
        }
        catch (StorageException exception)
        {
            return new("broker", false, exception.Message);
        }
        catch (UsageException exception)
        {
            return new("broker", false, exception.Message);
        }
    }
}
