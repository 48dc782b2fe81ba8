using System;
using System.CommandLine;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Sidecar.Broker;
using BotBottle.Sidecar.Logging;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>broker</c>: the host side of a VM backend, serving one bottle's queue on a Unix socket.</summary>
internal static class BrokerCommand
{
    private static readonly TimeSpan BrokerHeartbeat = TimeSpan.FromSeconds(30);

    public static Command Build(CliContext cli)
    {
        var socket = new Option<string?>("--socket") { Description = "The Unix socket to serve (created 0600; a dead broker's leftover socket is replaced). Forward it into the VM at /run/supervise/bot-bottle.sock.", HelpName = "PATH" };
        var listen = new Option<string?>("--listen") { Description = "Also (or only) serve on TCP, for runtimes that reach the host only that way (Docker Desktop: host.docker.internal). Loopback unless you say otherwise; needs --token-file.", HelpName = "tcp://HOST:PORT" };
        var tokenFile = new Option<string?>("--token-file") { Description = "The secret every TCP connection must open with; created (0600, 256 random bits) if missing. Mount it into the sidecar only (serve/propose --broker-token-file).", HelpName = "PATH" };
        var slug = new Option<string>("--slug") { Description = "The one bottle this broker serves; requests naming any other slug are refused.", Required = true };
        var command = new Command("broker", """
            Serve one bottle's supervise queue on a Unix socket, for sidecars that run in a VM (macOS
            containers, smolmachines). Those share files over virtiofs, which carries neither SQLite's
            locks nor its -shm mapping, so the sidecar must not open the database: the broker, on the
            host, owns it (creating and migrating it like any host command), and serve and propose
            inside the VM use /run/supervise/bot-bottle.sock whenever it exists.

            In fleet mode (--db postgres://… or ~/.bot-bottle/fleet.conf; bot-bottle-host only) the
            broker keeps the queue in the team's PostgreSQL instead, logged in as this host's own
            role: the server lets it see and write only the bottles it registers.

            Requests are length-prefixed JSON, one per connection. Each runs with the sidecar's
            privileges (propose, read, wait, archive; never answer or audit) on this bottle's rows
            only. Logs are JSON lines on stderr. SIGTERM or SIGINT ends pending waits with an error
            naming the proposal (it stays queued), removes the socket and exits 0.

            """ + ExitCodes.Help)
        {
            socket, listen, tokenFile, slug,
        };

        command.SetAction(async (parse, _) =>
        {
            BrokerServer server;
            Storage.Bottles.BottleStore bottles;
            Storage.Stores database;
            try
            {
                string slugValue = Storage.Validation.Validate.Slug(parse.GetValue(slug), "--slug");

                // SQLite: the host creates and migrates, then the broker serves through a
                // sidecar-role connection, so even a bug here cannot answer or rewrite the audit log.
                // Fleet mode: the broker's own PostgreSQL role, confined by the server to its grants.
                database = HostDatabase.OpenForBroker(parse, slugValue);
                BottleQueueView queue = database.Queue.ForBottle(slugValue);
                bottles = database.Bottles;

                // Register now, so a bottle this broker may not serve (in a fleet: one not granted to
                // its role) is refused before any sidecar waits on it.
                bottles.Register(slugValue, "vm", Mcp.BottleRegistration.SidecarVersion, BrokerHeartbeat);
                BrokerAddress? tcp = null;
                if (parse.GetValue(listen) is { } listenText)
                {
                    try
                    {
                        tcp = BrokerAddress.Parse(listenText);
                    }
                    catch (FormatException exception)
                    {
                        return cli.Fail(ExitCodes.Usage, "--listen: " + exception.Message);
                    }

                    if (!tcp.IsTcp)
                    {
                        return cli.Fail(ExitCodes.Usage, "--listen takes tcp://HOST:PORT; a Unix socket is --socket.");
                    }
                }

                BrokerToken? token = parse.GetValue(tokenFile) is { } tokenPath ? BrokerToken.LoadOrCreate(tokenPath) : null;
                server = BrokerServer.Bind(parse.GetValue(socket), tcp, token, queue);
            }
            catch (StorageException exception)
            {
                return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
            }
            catch (UsageException exception)
            {
                return cli.Fail(ExitCodes.Usage, exception.Message);
            }

            using var stopping = new CancellationTokenSource();
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using (server)
            {
                // The sidecar is in the VM; the broker is its bottle's presence on the host.
                using var registration = new Mcp.BottleRegistration(bottles, server.Slug, "vm", BrokerHeartbeat);
                registration.Start();
                JsonLog.Event("listening").Add("slug", server.Slug).Add("socket", server.SocketPath).Add("tcp", server.TcpEndPoint?.ToString()).Add("db", database.Description).Add("waits", database.Waits.ToString()).Write();
                await server.RunAsync(stopping.Token).ConfigureAwait(false);
                registration.Stop();
                JsonLog.Event("stopped").Add("slug", server.Slug).Write();
            }

            return ExitCodes.Success;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                JsonLog.Event("stopping").Add("signal", context.Signal.ToString()).Write();
                stopping.Cancel();
            }
        });
        return command;
    }
}
