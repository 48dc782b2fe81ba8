using System;
using System.CommandLine;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Sidecar.Cli;
using BotBottle.Storage.Errors;

namespace BotBottle.Sidecar.Dashboard;

/// <summary><c>dashboard</c>: the operator's pages in a browser, on loopback.</summary>
internal static class DashboardCommand
{
    public static Command Build(CliContext cli)
    {
        var listen = new Option<string>("--listen")
        {
            Description = "Loopback address and port to serve on (port 0 picks a free one). Other addresses are refused: reach a remote host's dashboard through an SSH tunnel.",
            DefaultValueFactory = _ => "127.0.0.1:8765",
            HelpName = "ADDRESS:PORT",
        };
        var command = new Command("dashboard", """
            The operator's dashboard in a browser: the bottles, the pending proposals, each proposal
            with its diff, answered from the page through the same call as queue approve/modify/reject,
            and the audit log with its chain's verification. Every page is live: changes made anywhere
            (new proposals, answers, withdrawals) show without a reload. It serves on loopback only and
            prints an address holding a one-time sign-in token; opening it sets a session cookie and
            spends the token (press Enter for a new address, for another browser). Ctrl-C stops it.
            """)
        {
            listen,
        };
        // Tested where the server is reached, so the trimmer drops the server from the builds without it.
        command.SetAction((parse, _) => DashboardSupport.IsSupported
            ? RunAsync(cli, parse, listen)
            : Task.FromResult(cli.Fail(ExitCodes.Usage, "The dashboard is in bot-bottle-host, the host's executable (it opens this host's database as well as a fleet's): run bot-bottle-host dashboard. bot-bottle-sidecar, which every sidecar image carries, leaves it out.")));
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, ParseResult parse, Option<string> listen)
    {
        string given = parse.GetValue(listen)!;
        if (!IPEndPoint.TryParse(given, out IPEndPoint? endpoint) || given.LastIndexOf(':') < 0)
        {
            return cli.Fail(ExitCodes.Usage, $"--listen: '{given}' is not ADDRESS:PORT such as 127.0.0.1:8765.");
        }

        if (!IPAddress.IsLoopback(endpoint.Address))
        {
            return cli.Fail(ExitCodes.Usage, $"--listen: {endpoint.Address} is not a loopback address. The dashboard answers proposals; it serves this machine only (ssh -L 8765:127.0.0.1:8765 host reaches it from elsewhere).");
        }

        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            string location = HostDatabase.Location(parse);
            using Storage.Stores stores = HostDatabase.Open(parse);
            var sessions = new DashboardSessions();
            var server = new DashboardServer(stores, location, sessions);
            await server.RunAsync(endpoint, address =>
            {
                cli.Output.WriteLine($"Dashboard for {stores.Description}");
                cli.Output.WriteLine($"Open {address}/sign-in?token={sessions.Secret}");
                cli.Output.WriteLine("(the address works once; press Enter for a new one; Ctrl-C stops)");
                cli.Output.Flush();

                // Reading standard input blocks: a background thread of its own, gone with the process.
                new Thread(() => OfferNewAddresses(cli.Output, sessions, address, stop.Token)) { IsBackground = true, Name = "dashboard sign-in" }.Start();
            }, stop.Token).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (StorageException exception)
        {
            return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
        }
        catch (IOException exception)
        {
            return cli.Fail(ExitCodes.Unavailable, $"cannot listen on {endpoint}: {exception.Message}");
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Each line on standard input mints a new one-time address (another browser, or a spent one).</summary>
    private static void OfferNewAddresses(TextWriter output, DashboardSessions sessions, string address, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && Console.In.ReadLine() is not null)
        {
            output.WriteLine($"Open {address}/sign-in?token={sessions.Renew()}");
            output.Flush();
        }
    }
}
