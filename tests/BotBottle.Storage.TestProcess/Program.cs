using System;
using System.Linq;
using System.Threading;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Migrations;
using BotBottle.Storage.Queue;

// Each command prints one result line on stdout; failures print "error: <kind>: <message>" and exit 1.
try
{
    return args switch
    {
        ["migrate", string db] => Migrate(db),
        ["respond", string db, string proposalId, string status, string delayMs] => Respond(db, proposalId, status, int.Parse(delayMs, System.Globalization.CultureInfo.InvariantCulture)),
        _ => Usage(),
    };
}
catch (StorageException exception)
{
    Console.WriteLine($"error: {exception.Kind}: {exception.Message}");
    return 1;
}

static int Migrate(string db)
{
    // Announce readiness, then block until the test releases every process at the same moment.
    Console.WriteLine("ready");
    Console.Out.Flush();
    _ = Console.ReadLine();
    BotBottleDatabase database = BotBottleDatabase.OpenHost(db, migrate: false);
    MigrationRun run = new Migrator(database).MigrateUp();
    Console.WriteLine("applied:" + string.Join(",", run.Steps.Select(static s => s.Version)));
    return 0;
}

static int Respond(string db, string proposalId, string status, int delayMs)
{
    BotBottleDatabase database = BotBottleDatabase.OpenHost(db);
    Thread.Sleep(delayMs);
    ResponseStatus parsed = ResponseStatusSqliteText.Parse(status);
    new QueueStore(database).WriteResponse(new Response(proposalId, parsed, "answered by process " + Environment.ProcessId, parsed == ResponseStatus.Modified ? "modified file\n" : null, false));
    Console.WriteLine("responded");
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: migrate DB | respond DB PROPOSAL_ID STATUS DELAY_MS");
    return 2;
}
