using System;
using System.CommandLine;
using System.IO;
using System.Net;
using BotBottle.Sidecar.Mcp;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Queue;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>serve</c>: the supervise sidecar's MCP server (the container's entrypoint).</summary>
internal static class ServeCommand
{
    public static Command Build(CliContext cli)
    {
        var slug = new Option<string>("--slug") { Description = "The bottle this sidecar serves; fixed for the process, never taken from agent input.", Required = true };
        var listen = new Option<string>("--listen") { Description = "Address and port to listen on (port 0 picks a free one; the 'listening' log line says which).", DefaultValueFactory = static _ => "0.0.0.0:9100", HelpName = "ADDRESS:PORT" };
        var currentConfig = new Option<string>("--current-config") { Description = "Directory holding the bottle's current routes.json, allowlist and Dockerfile, to hash and diff proposals against.", DefaultValueFactory = static _ => "/etc/bot-bottle/current-config", HelpName = "DIR" };
        var tokenFile = new Option<string?>("--token-file") { Description = "Require 'Authorization: Bearer <token>' with the token in this file.", HelpName = "PATH" };
        var allowOrigin = new Option<string[]>("--allow-origin") { Description = "An Origin a browser-based client may call from (repeatable); requests with any other Origin get 403.", HelpName = "ORIGIN", AllowMultipleArgumentsPerToken = false };
        var maxConnections = new Option<int>("--max-connections") { Description = "Connections served at once (each waiting tool call holds one). Past it, a new connection takes the slot of an idle or silent one; it is refused only when every slot holds a request.", DefaultValueFactory = static _ => 1024, HelpName = "N" };
        Option<string?> socket = CommonOptions.Socket();
        var heartbeat = new Option<double>("--heartbeat") { Description = "Seconds between the records of this bottle being alive in the bottles table (the operator's 'bottles' shows it stale after three missed ones); 1 to 3600.", DefaultValueFactory = static _ => 30, HelpName = "SECONDS" };
        var progress = new Option<double>("--progress-interval") { Description = "Seconds between progress notifications (or SSE comments) while a call waits; 0.05 to 15.", DefaultValueFactory = static _ => 10, HelpName = "SECONDS" };

        var command = new Command("serve", """
            Run the supervise MCP server (Streamable HTTP at /mcp, health at /healthz) for one bottle.

            Tools: cred-proxy-block (routes.json), pipelock-block (allowlist), capability-block (Dockerfile):
            each takes {proposed_file, justification, wait?}, writes a proposal and waits for the operator,
            sending progress every --progress-interval; supervise-status {proposal_id, wait_seconds<=240}
            polls. SIGTERM ends pending waits with an MCP error (the proposals stay queued) and exits 0.
            Logs are JSON lines on stderr.
            """)
        {
            slug, listen, currentConfig, tokenFile, allowOrigin, maxConnections, progress, heartbeat, socket, CommonOptions.BrokerTokenFile(alsoTokenFile: false),
        };

        command.SetAction(async (parse, _) =>
        {
            SuperviseServerOptions options;
            try
            {
                string slugValue = Storage.Validation.Validate.Slug(parse.GetValue(slug), "--slug");
                if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out IPEndPoint? endpoint) || parse.GetValue(listen)!.LastIndexOf(':') < 0)
                {
                    throw new UsageException($"--listen: '{parse.GetValue(listen)}' is not ADDRESS:PORT such as 0.0.0.0:9100 or 127.0.0.1:0.");
                }

                double seconds = parse.GetValue(progress);
                if (seconds is < 0.05 or > 15)
                {
                    throw new UsageException("--progress-interval must be between 0.05 and 15 seconds (clients give up after about 5 minutes of silence; progress must come at least every 15 s).");
                }


                int connections = parse.GetValue(maxConnections);
                if (connections is < 8 or > 65536)
                {
                    throw new UsageException("--max-connections must be between 8 and 65536.");
                }

                double heartbeatSeconds = parse.GetValue(heartbeat);
                if (heartbeatSeconds is < 1 or > 3600)
                {
                    throw new UsageException("--heartbeat must be between 1 and 3600 seconds.");
                }

                string? token = ReadToken(parse.GetValue(tokenFile));
                ISidecarStore queue = CommonOptions.OpenSidecarQueue(parse, socket, slugValue, out string source, out Storage.Bottles.BottleStore? bottles);
                options = new SuperviseServerOptions
                {
                    Queue = queue,
                    Bottles = bottles,
                    Heartbeat = TimeSpan.FromSeconds(heartbeatSeconds),
                    QueueSource = source,
                    Listen = endpoint,
                    CurrentConfigDirectory = parse.GetValue(currentConfig)!,
                    Token = token,
                    AllowedOrigins = parse.GetValue(allowOrigin) ?? [],
                    ProgressInterval = TimeSpan.FromSeconds(seconds),
                    MaxConnections = connections,
                };
            }
            catch (StorageException exception)
            {
                return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
            }
            catch (UsageException exception)
            {
                return cli.Fail(ExitCodes.Usage, exception.Message);
            }

            try
            {
                return await SuperviseServer.RunAsync(options).ConfigureAwait(false);
            }
            catch (StorageException exception)
            {
                return cli.Fail(ExitCodes.For(exception.Kind), exception.Message);
            }
            catch (IOException exception)
            {
                return cli.Fail(ExitCodes.Unavailable, "cannot listen on " + options.Listen + ": " + exception.Message);
            }
        });
        return command;
    }

    private static string? ReadToken(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"--token-file: no file at {path}.");
        }

        string token = File.ReadAllText(path).Trim();
        return token.Length == 0 ? throw new UsageException($"--token-file: {path} is empty.") : token;
    }
}
