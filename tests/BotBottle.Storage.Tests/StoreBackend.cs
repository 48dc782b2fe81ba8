using System;
using System.Collections.Generic;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Bottles;
using BotBottle.Storage.Database;
using BotBottle.Storage.Limits;
using BotBottle.Storage.Queue;
using Xunit;

namespace BotBottle.Storage.Tests;

/// <summary>
/// One engine behind the stores, for the suite that runs on both (<see cref="StoreContractTests"/>):
/// the host's (operator's) stores, and a sidecar's queue for one bottle, which on PostgreSQL is a
/// host broker logged in as its own role, confined to its bottles by row-level security.
/// </summary>
public abstract class StoreBackend : IDisposable
{
    /// <summary>The engines every contract test runs on.</summary>
    public static TheoryData<string> Names => new() { "sqlite", "postgres" };

    public abstract QueueStore Queue { get; }

    public abstract AuditStore Audit { get; }

    public abstract BottleStore Bottles { get; }

    public abstract LimitsStore Limits { get; }

    public abstract OperatorDecisions Decisions { get; }

    public static StoreBackend Create(string name) => name switch
    {
        "sqlite" => new SqliteBackend(),
        "postgres" => new PostgresBackend(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "sqlite or postgres"),
    };

    /// <summary>The queue a sidecar (SQLite) or a host broker (PostgreSQL) serving <paramref name="slug"/> uses.</summary>
    public abstract QueueStore SidecarQueue(string slug);

    /// <summary>The caps as that sidecar or broker sees them (it may read, never change them).</summary>
    public abstract LimitsStore SidecarLimits(string slug);

    public abstract void Dispose();

    private sealed class SqliteBackend : StoreBackend
    {
        private readonly TempDatabase _temp = new();
        private readonly BotBottleDatabase _host;

        public SqliteBackend()
        {
            _host = _temp.OpenHost();
            Queue = new QueueStore(_host);
            Audit = new AuditStore(_host);
            Bottles = new BottleStore(_host);
            Limits = new LimitsStore(_host);
            Decisions = new OperatorDecisions(_host);
        }

        public override QueueStore Queue { get; }

        public override AuditStore Audit { get; }

        public override BottleStore Bottles { get; }

        public override LimitsStore Limits { get; }

        public override OperatorDecisions Decisions { get; }

        public override QueueStore SidecarQueue(string slug)
        {
            BotBottleDatabase sidecar = BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: slug);

            // As serve does when it starts.
            new BottleStore(sidecar).Register(slug, "docker", "test", TimeSpan.FromSeconds(10));
            return new QueueStore(sidecar);
        }

        public override LimitsStore SidecarLimits(string slug) => new(BotBottleDatabase.OpenSidecar(_temp.Path, bottleSlug: slug));

        public override void Dispose() => _temp.Dispose();
    }

    private sealed class PostgresBackend : StoreBackend
    {
        private readonly TempPostgresDatabase _temp = PostgresServer.CreateDatabase();
        private readonly PostgresDatabase _owner;
        private readonly Dictionary<string, PostgresDatabase> _brokers = [];
        private readonly List<string> _roles = [];

        public PostgresBackend()
        {
            _owner = _temp.OpenOwner();
            Queue = new QueueStore(_owner);
            Audit = new AuditStore(_owner);
            Bottles = new BottleStore(_owner);
            Limits = new LimitsStore(_owner);
            Decisions = new OperatorDecisions(_owner);
        }

        public override QueueStore Queue { get; }

        public override AuditStore Audit { get; }

        public override BottleStore Bottles { get; }

        public override LimitsStore Limits { get; }

        public override OperatorDecisions Decisions { get; }

        public override QueueStore SidecarQueue(string slug) => new(Broker(slug));

        public override LimitsStore SidecarLimits(string slug) => new(Broker(slug));

        private PostgresDatabase Broker(string slug)
        {
            if (_brokers.TryGetValue(slug, out PostgresDatabase? known))
            {
                return known;
            }

            string role = "broker_" + Guid.NewGuid().ToString("N")[..12];
            PostgresServer.Execute(PostgresServer.SuperuserConnection, $"CREATE ROLE {role} LOGIN IN ROLE bot_bottle_broker");
            _roles.Add(role);
            PostgresDatabase broker = PostgresDatabase.Open(_temp.ConnectionAs(role), role: DatabaseRole.Sidecar);
            _brokers.Add(slug, broker);

            // A broker serves the bottles the operator granted it: the row the server scopes it by.
            // Written directly so the contract tests' audit logs hold only what they test
            // (BottleStore.Grant, audited, has its own tests).
            PostgresServer.Execute(_temp.OwnerConnection, $"INSERT INTO bottle_grants (slug, broker_role, granted_at) VALUES ('{slug}', '{role}', '2026-12-06T00:00:00.0000000Z')");
            new BottleStore(broker).Register(slug, "docker", "test", TimeSpan.FromSeconds(10));
            return broker;
        }

        public override void Dispose()
        {
            foreach (PostgresDatabase database in _brokers.Values)
            {
                database.Dispose();
            }

            _owner.Dispose();
            _temp.Dispose();
            foreach (string role in _roles)
            {
                PostgresServer.Execute(PostgresServer.SuperuserConnection, $"DROP ROLE IF EXISTS {role}");
            }
        }
    }
}
