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
        var slug = new Option<string?>("--slug") { Description = "With --sidecar on a VM backend: the bottle this sidecar serves, to check that the broker serves it. With --backend: the bottle the recipe is written for." };
        var backend = new Option<string?>("--backend") { Description = "Print how to run a sidecar on this runtime from this host (mounts, flags, the broker command, the check to run inside), and check the runtime's version if it is installed: " + string.Join(", ", BackendRecipes.Names) + ".", HelpName = "NAME" };
        backend.AcceptOnlyFromAmong([.. BackendRecipes.Names]);
        var port = new Option<int>("--port") { Description = "With --backend, for runtimes that reach the broker over TCP: the broker's port (one per bottle).", DefaultValueFactory = static _ => 7070, HelpName = "PORT" };
        port.Validators.Add(static result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                result.AddError("--port must be 1 to 65535.");
            }
        });
        var command = new Command("doctor", "Check the database's placement, filesystem, mount layout, owner and permissions, journal mode, schema and integrity (or, for a sidecar behind a host broker, that the broker answers for its bottle): one line each. Changes nothing: the database is opened read-only and never migrated or switched to WAL.\n\nWith --backend NAME it prints instead how to run a sidecar on that runtime from this host: the broker command, the sidecar's exact mounts and flags, and the check to run inside.\n\nExit codes: 0 every check passed; 15 a check failed (each FAIL line says what to do), or --backend found the runtime older than the recipe needs.") { sidecar, socket, CommonOptions.BrokerTokenFile(alsoTokenFile: true), slug, backend, port };
        command.SetAction(parse =>
        {
            if (parse.GetValue(backend) is { } backendName)
            {
                return WriteRecipe(cli, BackendRecipes.Find(backendName)!, parse.GetValue(slug), parse.GetValue(port));
            }

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

    private static int WriteRecipe(CliContext cli, BackendRecipe recipe, string? slug, int port)
    {
        string forSlug;
        try
        {
            forSlug = slug is null ? "my-bottle" : Storage.Validation.Validate.Slug(slug, "--slug");
        }
        catch (StorageException exception)
        {
            return cli.Fail(ExitCodes.Usage, exception.Message);
        }

        if (slug is null)
        {
            cli.Output.WriteLine("(for a bottle named my-bottle; pass --slug to write it for yours)");
        }

        bool ok = BackendRecipes.Write(recipe, new RecipeContext(HostPaths.ForCurrentUser(), forSlug, port), cli.Output);
        return ok ? ExitCodes.Success : ExitCodes.DoctorFailed;
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
