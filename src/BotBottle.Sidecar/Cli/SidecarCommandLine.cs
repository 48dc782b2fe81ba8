using System.CommandLine;

namespace BotBottle.Sidecar.Cli;

/// <summary>The command tree of bot-bottle-sidecar.</summary>
internal static class SidecarCommandLine
{
    public const string Description = """
        bot-bottle's supervise sidecar and the operator's host commands, over one SQLite database.

        In a sidecar:  serve (the supervise MCP server), propose (for other sidecars and scripts).
        On the host:   queue, audit, db, limits (the operator's commands), dashboard (the same in a browser:
                       bot-bottle-host's),
                       doctor (is the store safe here?),
                       broker (serves one bottle's queue on a socket, for sidecars in a VM).
        In the image:  healthcheck (the container HEALTHCHECK).

        The database: host commands use ~/.bot-bottle/db/bot-bottle.db; serve and propose use
        /run/supervise/bot-bottle.db (the host's ~/.bot-bottle/db directory, mounted), or the host
        broker's /run/supervise/bot-bottle.sock when it exists. --db PATH (or --socket PATH) overrides
        them; nothing else chooses the database.

        """ + ExitCodes.Help;

    public static RootCommand Build(CliContext cli)
    {
        var root = new RootCommand(Description);
        root.Options.Add(CommonOptions.Db);
        root.Subcommands.Add(ServeCommand.Build(cli));
        root.Subcommands.Add(ProposeCommand.Build(cli));
        root.Subcommands.Add(QueueCommands.Build(cli));
        root.Subcommands.Add(BottlesCommand.Build(cli));
        root.Subcommands.Add(AuditCommands.Build(cli));
        root.Subcommands.Add(DbCommands.Build(cli));
        root.Subcommands.Add(LimitsCommands.Build(cli));
        root.Subcommands.Add(BrokerCommand.Build(cli));
        root.Subcommands.Add(Dashboard.DashboardCommand.Build(cli));
        root.Subcommands.Add(DoctorCommand.Build(cli));
        root.Subcommands.Add(HealthcheckCommand.Build(cli));
        return root;
    }
}
