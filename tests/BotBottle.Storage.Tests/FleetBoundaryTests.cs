using System;
using System.Collections.Generic;
using System.Linq;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;
using Npgsql;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>
/// PostgreSQL is the boundary in fleet mode (migrations/postgres/0010): psql as a broker role, as a
/// compromised host would use its credentials. No table takes a direct write; the role's functions
/// apply the store's rules with the server's clock, ids and counts; and the one table of inputs
/// below gets the same answer from the SQLite store and from the server.
/// </summary>
public sealed class FleetBoundaryTests : IDisposable
{
    private readonly TempPostgresDatabase _temp = PostgresServer.CreateDatabase();
    private readonly PostgresDatabase _owner;
    private readonly string _broker = "broker_" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _other = "broker_" + Guid.NewGuid().ToString("N")[..10];

    public FleetBoundaryTests()
    {
        _owner = _temp.OpenOwner();
        PostgresServer.Execute(PostgresServer.SuperuserConnection, $"CREATE ROLE {_broker} LOGIN IN ROLE bot_bottle_broker; CREATE ROLE {_other} LOGIN IN ROLE bot_bottle_broker");
        var bottles = new BottleStore(_owner);
        bottles.Grant("alpha", _broker);
        bottles.Grant("beta", _other);
    }

    public void Dispose()
    {
        _owner.Dispose();
        _temp.Dispose();
        PostgresServer.Execute(PostgresServer.SuperuserConnection, $"DROP ROLE IF EXISTS {_broker}; DROP ROLE IF EXISTS {_other}");
    }

    [Fact]
    public void A_broker_role_writes_no_table_directly()
    {
        var tables = Query(null, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", static r => r.GetString(0));
        Assert.Contains("supervise_proposals", tables);
        Assert.Contains("bottle_grants", tables);
        foreach (string table in tables)
        {
            string column = (string)Scalar(null, $"SELECT attname FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum = 1")!;
            Assert.Equal("42501", Refused($"INSERT INTO {table} DEFAULT VALUES").SqlState);
            Assert.Equal("42501", Refused($"UPDATE {table} SET {column} = {column}").SqlState);
            Assert.Equal("42501", Refused($"DELETE FROM {table}").SqlState);
        }
    }

    [Fact]
    public void The_server_refuses_a_burst_past_the_caps_and_keeps_the_rate_bucket_itself()
    {
        new LimitsStore(_owner).Set("pending_per_bottle", 3);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(false, Scalar(_broker, Propose("alpha", $"file {i}")));
        }

        PostgresException pending = Refused(Propose("alpha", "file 3"));
        Assert.Equal(("BBLIM", "pending_per_bottle"), (pending.SqlState, pending.ConstraintName));
        Assert.Contains("3 proposals are already pending for bottle 'alpha'", pending.MessageText, StringComparison.Ordinal);

        // A retry of an open proposal joins it, and is never refused by a cap.
        Assert.Equal(true, Scalar(_broker, Propose("alpha", "file 0")));

        new LimitsStore(_owner).Set("pending_per_bottle", 100);
        new LimitsStore(_owner).Set("rate_burst", 1);
        Assert.Equal(false, Scalar(_broker, Propose("alpha", "file 4")));
        PostgresException rate = Refused(Propose("alpha", "file 5"));
        Assert.Equal(("BBLIM", "rate_per_hour"), (rate.SqlState, rate.ConstraintName));

        // The bucket is the server's: the broker can neither read, refill nor drop it.
        Assert.Equal("42501", Refused("SELECT tokens FROM supervise_rate_buckets").SqlState);
        Assert.Equal("42501", Refused("UPDATE supervise_rate_buckets SET tokens = 10").SqlState);
        Assert.Equal("42501", Refused("DELETE FROM supervise_rate_buckets").SqlState);
        Assert.Equal("42501", Refused("INSERT INTO supervise_rate_buckets (bottle_slug, tokens, refilled_at) VALUES ('alpha', 10, '2026-01-01T00:00:00.0000000Z') ON CONFLICT (bottle_slug) DO UPDATE SET tokens = 10").SqlState);
        Assert.Equal("BBLIM", Refused(Propose("alpha", "file 6")).SqlState);
    }

    [Fact]
    public void The_server_sets_the_time_and_the_id_and_refuses_a_callers()
    {
        DateTime before = (DateTime)Scalar(null, "SELECT now()")!;
        Query(_broker, Propose("alpha", "file"), static r => r.GetBoolean(0));
        var row = Query(null, "SELECT id, arrival_timestamp FROM supervise_proposals", static r => (Id: r.GetString(0), Arrival: r.GetString(1))).Single();
        Assert.Matches("^[0-9a-f]{32}$", row.Id);
        DateTimeOffset arrival = Mapping.SqliteValues.ReadTimestamp(row.Arrival);
        Assert.InRange(arrival.UtcDateTime, before.ToUniversalTime().AddSeconds(-1), DateTime.UtcNow.AddSeconds(5));

        Assert.Equal("42501", Refused("INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp) VALUES ('mine', 'alpha', 'git-gate', 'f', 'j', '2020-01-01T00:00:00.0000000Z')").SqlState);
        Assert.Equal("42501", Refused($"UPDATE supervise_proposals SET arrival_timestamp = now()::text WHERE id = '{row.Id}'").SqlState);
        Assert.Equal("42883", Refused("SELECT * FROM bb_propose('alpha', 'git-gate', 'f', 'j', NULL, '2020-01-01T00:00:00.0000000Z')").SqlState);
    }

    [Fact]
    public void The_server_refuses_another_bottles_slug_and_names_the_grant_to_run()
    {
        PostgresException refused = Refused(Propose("beta", "file"));
        Assert.Equal("42501", refused.SqlState);
        Assert.Equal($"bottle 'beta' is not granted to role {_broker}; the operator grants it with: bot-bottle-host bottles grant beta --to {_broker}", refused.MessageText);
        Assert.Equal("42501", Refused(Propose("gamma", "file")).SqlState);
    }

    [Fact]
    public void The_server_refuses_text_that_is_not_valid_utf8()
    {
        // PostgreSQL checks the encoding of every text it is given, before any function runs.
        Assert.Equal("22021", Refused("SELECT * FROM bb_propose('alpha', 'git-gate', convert_from('\\xff'::bytea, 'UTF8'), 'why', NULL)").SqlState);
        Assert.Equal("22021", Refused("SELECT * FROM bb_propose('alpha', 'git-gate', 'x', convert_from('\\x6100'::bytea, 'UTF8'), NULL)").SqlState);
    }

    [Fact]
    public void The_servers_defaults_for_the_caps_are_the_stores()
    {
        foreach (LimitDefinition definition in SuperviseLimits.Definitions)
        {
            Assert.Equal(SuperviseLimits.Defaults[definition.Name], (long)Scalar(null, $"SELECT bb_limit('{definition.Name}')")!);
            new LimitsStore(_owner).Set(definition.Name, definition.Maximum);
            PostgresServer.Execute(_temp.OwnerConnection, $"UPDATE supervise_limits SET value = {definition.Maximum} + 1 WHERE name = '{definition.Name}'");
            Assert.Equal(new LimitsStore(_owner).Read()[definition.Name], (long)Scalar(null, $"SELECT bb_limit('{definition.Name}')")!);
        }
    }

    /// <summary>One table of inputs for both engines: accepted, or refused with the same words.</summary>
    public static TheoryData<string, string, string, string, string?, bool> Inputs => new()
    {
        { "a plain proposal", "git-gate", "file\n", "because", null, true },
        { "tab and newline are text", "git-gate", "a\tb\nc\n", "line one\nline two", "current\r\n", true },
        { "ESC in the file", "git-gate", "ok\n\u001b[2Kgone", "because", null, false },
        { "CSI in the file", "git-gate", "x\u009b31m", "because", null, false },
        { "carriage return in the file", "git-gate", "a\r\nb", "because", null, false },
        { "DEL in the justification", "git-gate", "f", "why\u007f", null, false },
        { "right-to-left override", "git-gate", "line\nab\u202ecd", "because", null, false },
        { "a bidi isolate", "git-gate", "f", "why \u2066x\u2069", null, false },
        { "arabic letter mark", "git-gate", "f", "why \u061c", null, false },
        { "zero width joiner is text", "git-gate", "a\u200db", "because", null, true },
        { "emoji are text", "git-gate", "🙂 ok", "because 🙂", null, true },
        { "a blank justification", "git-gate", "f", " \n\t ", null, false },
        { "an empty proposed file", "git-gate", string.Empty, "because", null, true },
        { "a made-up tool name", "Git Gate", "f", "because", null, false },
        { "a tool name too long", new string('t', 65), "f", "because", null, false },
        { "a file over 256 KiB", "git-gate", new string('x', (256 * 1024) + 1), "because", null, false },
        { "a file of exactly 256 KiB", "git-gate", new string('x', 256 * 1024), "because", null, true },
        { "a justification over 8 KiB", "git-gate", "f", new string('j', (8 * 1024) + 1), null, false },
        { "multi-byte characters count as bytes", "git-gate", "f", new string('é', 4097), null, false },
        { "a current file with a control character", "git-gate", "f", "because", "a\u001bb", true },
        { "a current file over 1 MiB", "git-gate", "f", "because", new string('c', (1024 * 1024) + 1), false },
        { "routes.json as an object", "cred-proxy-block", "{\"routes\": []}", "because", null, true },
        { "routes.json as an array", "cred-proxy-block", "[1, 2]", "because", null, false },
        { "an allowlist", "pipelock-block", "# hosts\n\napi.example.com\n*.example.org:8443\n", "because", null, true },
        { "an allowlist line that is no host", "pipelock-block", "api.example.com\nnot a host\n", "because", null, false },
        { "an allowlist of comments only", "pipelock-block", "# nothing\n\n", "because", null, false },
        { "a Dockerfile", "capability-block", "# base\n  from debian:12\nRUN true\n", "because", null, true },
        { "a Dockerfile without FROM", "capability-block", "RUN true\n", "because", null, false },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void The_store_on_sqlite_and_the_server_agree(string name, string tool, string file, string justification, string? currentFile, bool accepted)
    {
        _ = name;
        using var sqlite = new TempDatabase();
        string? storeRefusal = null;
        try
        {
            new QueueStore(sqlite.OpenHost()).WriteOrJoinProposal(new ProposalDraft("alpha", tool, file, justification, currentFile));
        }
        catch (StorageException exception)
        {
            Assert.Equal(StorageErrorKind.InvalidArgument, exception.Kind);
            storeRefusal = exception.Message;
        }

        string? serverRefusal = null;
        try
        {
            using NpgsqlConnection connection = Open(_broker);
            using var propose = new NpgsqlCommand("SELECT joined FROM bb_propose('alpha', @tool, @file, @justification, @current)", connection);
            propose.Parameters.AddWithValue("tool", tool);
            propose.Parameters.AddWithValue("file", file);
            propose.Parameters.AddWithValue("justification", justification);
            propose.Parameters.AddWithValue("current", (object?)currentFile ?? DBNull.Value);
            propose.ExecuteScalar();
        }
        catch (PostgresException exception)
        {
            Assert.Equal("BBINV", exception.SqlState);
            serverRefusal = exception.MessageText;
        }

        Assert.Equal(accepted, storeRefusal is null);
        Assert.Equal(accepted, serverRefusal is null);
        if (!accepted && tool != "cred-proxy-block")
        {
            // The same words: a JSON parser's own message is the one thing each engine says its way.
            Assert.Equal(storeRefusal, serverRefusal);
        }
    }

    private static string Propose(string slug, string file)
        => $"SELECT joined FROM bb_propose('{slug}', 'git-gate', '{file}', 'because', NULL)";

    private NpgsqlConnection Open(string? role)
    {
        var connection = new NpgsqlConnection(role is null ? _temp.OwnerConnection : _temp.ConnectionAs(role));
        connection.Open();
        return connection;
    }

    private object? Scalar(string? role, string sql)
    {
        using NpgsqlConnection connection = Open(role);
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private List<T> Query<T>(string? role, string sql, Func<NpgsqlDataReader, T> read)
    {
        using NpgsqlConnection connection = Open(role);
        using var command = new NpgsqlCommand(sql, connection);
        using NpgsqlDataReader reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private PostgresException Refused(string sql)
    {
        return Assert.Throws<PostgresException>(() => Scalar(_broker, sql));
    }
}

/// <summary><c>bottles grant</c> and <c>bottles revoke</c> at the store: audited, operator-only, fleet-only.</summary>
public sealed class BottleGrantTests : IDisposable
{
    private readonly TempPostgresDatabase _temp = PostgresServer.CreateDatabase();
    private readonly PostgresDatabase _owner;
    private readonly string _broker = "broker_" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _next = "broker_" + Guid.NewGuid().ToString("N")[..10];

    public BottleGrantTests()
    {
        _owner = _temp.OpenOwner();
        PostgresServer.Execute(PostgresServer.SuperuserConnection, $"CREATE ROLE {_broker} LOGIN IN ROLE bot_bottle_broker; CREATE ROLE {_next} LOGIN IN ROLE bot_bottle_broker");
    }

    public void Dispose()
    {
        _owner.Dispose();
        _temp.Dispose();
        PostgresServer.Execute(PostgresServer.SuperuserConnection, $"DROP ROLE IF EXISTS {_broker}; DROP ROLE IF EXISTS {_next}");
    }

    [Fact]
    public void Grant_move_and_revoke_decide_who_serves_and_each_is_audited()
    {
        var bottles = new BottleStore(_owner);
        using PostgresDatabase broker = PostgresDatabase.Open(_temp.ConnectionAs(_broker), role: DatabaseRole.Sidecar);
        using PostgresDatabase next = PostgresDatabase.Open(_temp.ConnectionAs(_next), role: DatabaseRole.Sidecar);

        StorageException before = Assert.Throws<StorageException>(() => new BottleStore(broker).Register("alpha", "docker", "1", TimeSpan.FromSeconds(10)));
        Assert.Equal(StorageErrorKind.Denied, before.Kind);
        Assert.Contains($"bottles grant alpha --to {_broker}", before.Message, StringComparison.Ordinal);

        bottles.Grant("alpha", _broker);
        new BottleStore(broker).Register("alpha", "docker", "1", TimeSpan.FromSeconds(10));
        new QueueStore(broker).WriteOrJoinProposal(new ProposalDraft("alpha", "git-gate", "f", "because"));
        Assert.Equal(StorageErrorKind.Denied, Assert.Throws<StorageException>(() => new QueueStore(next).WriteOrJoinProposal(new ProposalDraft("alpha", "git-gate", "g", "because"))).Kind);

        bottles.Grant("alpha", _next);
        Assert.Equal(StorageErrorKind.Denied, Assert.Throws<StorageException>(() => new QueueStore(broker).WriteOrJoinProposal(new ProposalDraft("alpha", "git-gate", "h", "because"))).Kind);
        Assert.Empty(new QueueStore(broker).ListPendingProposals());
        Assert.Single(new QueueStore(next).ListPendingProposals());
        Assert.Equal(_next, Assert.Single(bottles.ListGrants()).BrokerRole);

        bottles.Revoke("alpha");
        Assert.Empty(bottles.ListGrants());
        Assert.Empty(new QueueStore(next).ListPendingProposals());
        Assert.Equal(StorageErrorKind.NotFound, Assert.Throws<StorageException>(() => bottles.Revoke("alpha")).Kind);

        var audit = new Audit.AuditStore(_owner);
        Assert.Equal(
            [("granted", $"granted to {_broker}"), ("granted", $"granted to {_next} (was {_broker})"), ("revoked", $"revoked from {_next}")],
            audit.ReadAuditEntries().Select(static e => (e.OperatorAction, e.OperatorNotes)));
        Assert.All(audit.ReadAuditEntries(), static e => Assert.Equal((BottleStore.GrantComponent, "alpha"), (e.Component, e.BottleSlug)));
        Assert.True(audit.VerifyChain().Ok);
    }

    [Fact]
    public void Grant_refuses_what_is_not_a_broker_login_role_and_a_broker_granting()
    {
        var bottles = new BottleStore(_owner);
        Assert.Contains("CREATE ROLE nobody_here LOGIN IN ROLE bot_bottle_broker", Assert.Throws<StorageException>(() => bottles.Grant("alpha", "nobody_here")).Message, StringComparison.Ordinal);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => bottles.Grant("alpha", "bot_bottle_operator")).Kind);
        Assert.Equal(StorageErrorKind.InvalidArgument, Assert.Throws<StorageException>(() => bottles.Grant("alpha", "x; DROP TABLE bottles")).Kind);

        using PostgresDatabase broker = PostgresDatabase.Open(_temp.ConnectionAs(_broker), role: DatabaseRole.Sidecar);
        Assert.Equal(StorageErrorKind.Denied, Assert.Throws<StorageException>(() => new BottleStore(broker).Grant("alpha", _broker)).Kind);
        Assert.Empty(bottles.ListGrants());
        Assert.Empty(new Audit.AuditStore(_owner).ReadAuditEntries());
    }

    [Fact]
    public void A_single_host_has_nothing_to_grant()
    {
        using var temp = new TempDatabase();
        var bottles = new BottleStore(temp.OpenHost());
        StorageException refused = Assert.Throws<StorageException>(() => bottles.Grant("alpha", "broker_a"));
        Assert.Equal(StorageErrorKind.Denied, refused.Kind);
        Assert.Contains("fleet mode", refused.Message, StringComparison.Ordinal);
        Assert.Empty(bottles.ListGrants());
    }
}
