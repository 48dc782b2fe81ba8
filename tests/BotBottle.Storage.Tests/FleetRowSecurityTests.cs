using System;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using Npgsql;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>
/// Least privilege in fleet mode, enforced by PostgreSQL itself: two host brokers (each its own
/// login role) and an operator, all writing hand-made SQL straight at the server, as a compromised
/// host would. A broker sees only the bottles granted to it, writes no table directly, and never answers.
/// </summary>
public sealed class FleetRowSecurityTests : IDisposable
{
    private const string Timestamp = "2026-11-29T08:00:00.000000Z";

    private readonly TempPostgresDatabase _temp = PostgresServer.CreateDatabase();
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    public FleetRowSecurityTests()
    {
        _temp.OpenOwner().Dispose();
        foreach ((string role, string group) in new[] { (BrokerA, "bot_bottle_broker"), (BrokerB, "bot_bottle_broker"), (Operator, "bot_bottle_operator") })
        {
            PostgresServer.Execute(PostgresServer.SuperuserConnection, $"CREATE ROLE {role} LOGIN IN ROLE {group}");
        }

        Rows(Operator, Grant("alpha", BrokerA) + Grant("beta", BrokerB) + Propose("pa", "alpha") + Propose("pa2", "alpha") + Propose("pb", "beta"));
        Rows(BrokerA, "SELECT bb_register_bottle('alpha', 'docker', '1.0.0', 10)");
        Rows(BrokerB, "SELECT bb_register_bottle('beta', 'docker', '1.0.0', 10)");
    }

    private string BrokerA => "broker_a_" + _suffix;

    private string BrokerB => "broker_b_" + _suffix;

    private string Operator => "operator_" + _suffix;

    [Fact]
    public void A_broker_sees_only_its_own_bottles_rows()
    {
        Assert.Equal("pb", Value(BrokerB, "SELECT string_agg(id, ',') FROM supervise_proposals"));
        Assert.Equal("beta", Value(BrokerB, "SELECT string_agg(slug, ',') FROM bottles"));
        Assert.Equal(0L, Value(BrokerB, "SELECT count(*) FROM supervise_proposals WHERE id = 'pa' OR bottle_slug = 'alpha'"));
        Assert.Equal("pa,pa2,pb", Value(Operator, "SELECT string_agg(id, ',' ORDER BY id) FROM supervise_proposals"));
    }

    [Fact]
    public void A_broker_cannot_write_another_brokers_bottle()
    {
        Assert.Equal("42501", Refused(BrokerB, Propose("forged", "alpha")));
        Assert.Equal("42501", Refused(BrokerB, "SELECT * FROM bb_propose('alpha', 'git-gate', 'file', 'because', NULL)"));
        Assert.Equal("42501", Refused(BrokerB, "SELECT bb_register_bottle('alpha', 'docker', '1.0.0', 10)"));
        Assert.Equal("42501", Refused(BrokerB, "SELECT bb_heartbeat_bottle('alpha', true)"));
        Assert.Equal("42501", Refused(BrokerB, "UPDATE bottles SET state = 'stopped', broker_role = CURRENT_USER WHERE slug = 'alpha'"));
        Assert.Equal("42501", Refused(BrokerB, $"INSERT INTO bottle_grants (slug, broker_role, granted_at) VALUES ('alpha', '{BrokerB}', '{Timestamp}')"));
        Assert.Equal("42501", Refused(BrokerB, $"UPDATE bottle_grants SET broker_role = '{BrokerB}'"));
        Assert.Equal($"bottle 'alpha' is not granted to role {BrokerB}; the operator grants it with: bot-bottle-host bottles grant alpha --to {BrokerB}", RefusedMessage(BrokerB, "SELECT bb_register_bottle('alpha', 'docker', '1.0.0', 10)"));
        Assert.Equal("running", Value(Operator, "SELECT state FROM bottles WHERE slug = 'alpha'"));
        Assert.Equal(BrokerA, Value(Operator, "SELECT broker_role FROM bottles WHERE slug = 'alpha'"));
    }

    [Fact]
    public void A_broker_cannot_answer_read_or_consume_another_brokers_decision()
    {
        Rows(Operator, "INSERT INTO supervise_responses (proposal_id, status, notes) VALUES ('pa', 'approved', 'ok');");

        Assert.Equal(0L, Value(BrokerB, "SELECT count(*) FROM supervise_responses"));
        Assert.Equal("42501", Refused(BrokerB, "UPDATE supervise_responses SET archived = 1 WHERE proposal_id = 'pa'"));
        Assert.Equal("42501", Refused(BrokerB, "SELECT bb_archive_answered('pa')"));
        Assert.Equal("42501", Refused(BrokerB, "SELECT * FROM bb_withdraw('pa', '')"));
        Assert.Equal("42501", Refused(BrokerB, "INSERT INTO supervise_responses (proposal_id, status) VALUES ('pb', 'approved')"));
        Assert.Equal("42501", Refused(BrokerB, "UPDATE supervise_responses SET status = 'rejected' WHERE proposal_id = 'pa'"));
        Assert.Equal("42501", Refused(BrokerB, "INSERT INTO supervise_withdrawals (proposal_id, withdrawn_at, reason, audit_id, audit_prev_hash, audit_hash) VALUES ('pa', 'x', 'x', 0, 'x', 'x')"));
        Assert.Equal(0L, Value(Operator, "SELECT archived FROM supervise_responses WHERE proposal_id = 'pa'"));
    }

    [Fact]
    public void A_broker_never_deletes_answers_or_touches_the_audit_log()
    {
        Assert.Equal("42501", Refused(BrokerA, "DELETE FROM supervise_proposals WHERE id = 'pa'"));
        Assert.Equal("42501", Refused(BrokerA, "INSERT INTO supervise_responses (proposal_id, status) VALUES ('pa', 'approved')"));
        Assert.Equal("42501", Refused(BrokerA, "SELECT count(*) FROM supervise_audit_entries"));
        Assert.Equal("42501", Refused(BrokerA, "INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action) VALUES ('t', 'alpha', 'c', 'approved')"));
        Assert.Equal("42501", Refused(BrokerA, "SELECT bb_audit_append('t', 'alpha', 'c', 'approved', '', '', '')"));
        Assert.Equal("42501", Refused(BrokerA, "UPDATE supervise_limits SET value = 0"));
        Assert.Equal("42501", Refused(BrokerA, "CREATE TABLE mine (x text)"));
        Assert.Equal("42501", Refused(Operator, "UPDATE supervise_audit_entries SET diff = ''"));
        Assert.Equal("42501", Refused(Operator, "DELETE FROM supervise_audit_entries"));
    }

    [Fact]
    public void A_broker_consumes_its_own_decision_once_and_cannot_unarchive_it()
    {
        Rows(Operator, "INSERT INTO supervise_responses (proposal_id, status, notes) VALUES ('pa', 'approved', 'ok');");

        Assert.Equal("ok", Value(BrokerA, "SELECT notes FROM supervise_responses WHERE proposal_id = 'pa'"));
        Assert.Equal("42501", Refused(BrokerA, "UPDATE supervise_responses SET archived = 1 WHERE proposal_id = 'pa'"));
        Assert.Equal("42501", Refused(BrokerA, "SELECT bb_archive_answered('pa2')"));
        Rows(BrokerA, "SELECT bb_archive_answered('pa')");
        Assert.Equal(1L, Value(Operator, "SELECT archived FROM supervise_proposals WHERE id = 'pa'"));
        Assert.Equal("42501", Refused(BrokerA, "UPDATE supervise_responses SET archived = 0 WHERE proposal_id = 'pa'"));
        Assert.Equal("42501", Refused(BrokerA, "UPDATE supervise_proposals SET archived = 1 WHERE id = 'pa2'"));
    }

    [Fact]
    public void A_withdrawal_is_numbered_and_chained_by_the_server_whatever_the_broker_sends()
    {
        Rows(Operator, $"SELECT bb_audit_append('{Timestamp}', 'beta', 'pipelock-block', 'approved', 'first', 'j', '');");

        Assert.Equal("42501", Refused(BrokerA, $"INSERT INTO supervise_withdrawals (proposal_id, withdrawn_at, reason, audit_id, audit_prev_hash, audit_hash) VALUES ('pa2', '{Timestamp}', 'not needed', 999, 'forged', 'forged')"));
        Rows(BrokerA, "SELECT * FROM bb_withdraw('pa2', '')");

        Assert.Equal(1L, Value(Operator, "SELECT archived FROM supervise_proposals WHERE id = 'pa2'"));
        using NpgsqlConnection connection = Open(Operator);
        using var read = new NpgsqlCommand("SELECT id, timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff, prev_hash, entry_hash FROM supervise_audit_entries ORDER BY id", connection);
        using NpgsqlDataReader reader = read.ExecuteReader();
        string previous = AuditChain.Genesis;
        int entries = 0;
        while (reader.Read())
        {
            entries++;
            Assert.Equal(previous, reader.GetString(8));
            string expected = AuditChain.Hash(previous, reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7));
            Assert.Equal(expected, reader.GetString(9));
            previous = expected;
        }

        Assert.Equal(2, entries);
        Assert.Equal("withdrawn", Value(Operator, "SELECT operator_action FROM supervise_audit_entries WHERE id = (SELECT audit_id FROM supervise_withdrawals WHERE proposal_id = 'pa2')"));
        Assert.NotEqual("forged", Value(Operator, "SELECT audit_hash FROM supervise_withdrawals WHERE proposal_id = 'pa2'"));
    }

    public void Dispose()
    {
        _temp.Dispose();
        foreach (string role in new[] { BrokerA, BrokerB, Operator })
        {
            PostgresServer.Execute(PostgresServer.SuperuserConnection, $"DROP ROLE IF EXISTS {role}");
        }
    }

    private static string Grant(string slug, string role)
        => $"INSERT INTO bottle_grants (slug, broker_role, granted_at) VALUES ('{slug}', '{role}', '{Timestamp}');";

    private static string Propose(string id, string slug)
        => $"INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp) VALUES ('{id}', '{slug}', 'pipelock-block', 'file', 'because', '{Timestamp}');";

    private NpgsqlConnection Open(string role)
    {
        var connection = new NpgsqlConnection(_temp.ConnectionAs(role));
        connection.Open();
        return connection;
    }

    private int Rows(string role, string sql)
    {
        using NpgsqlConnection connection = Open(role);
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteNonQuery();
    }

    private object? Value(string role, string sql)
    {
        using NpgsqlConnection connection = Open(role);
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private string RefusedMessage(string role, string sql) => Assert.Throws<PostgresException>(() => Rows(role, sql)).MessageText;

    private string Refused(string role, string sql)
    {
        PostgresException refused = Assert.Throws<PostgresException>(() => Rows(role, sql));
        return refused.SqlState;
    }
}
