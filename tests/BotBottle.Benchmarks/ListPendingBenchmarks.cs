using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using BotBottle.Storage.Queue;

namespace BotBottle.Benchmarks;

/// <summary>
/// <c>ListPendingProposals</c> as the archive grows: an empty table, 1,000 pending rows alone ("1k"), and
/// 1,000 pending among 100,000 archived ones (each with an archived response).
/// </summary>
[MemoryDiagnoser]
public class ListPendingBenchmarks
{
    private BenchDatabase _database = null!;
    private QueueStore _queue = null!;

    [Params("empty", "1k", "1k+100k-archived")]
    public string Table { get; set; } = "empty";

    [GlobalSetup]
    public void Setup()
    {
        _database = new BenchDatabase();
        if (Table != "empty")
        {
            if (Table.Contains("archived", System.StringComparison.Ordinal))
            {
                _database.AddProposals(100_000, archived: true, "a");
            }

            _database.AddProposals(1000, archived: false, "p");
        }

        _queue = new QueueStore(_database.Database);
    }

    [GlobalCleanup]
    public void Cleanup() => _database.Dispose();

    [Benchmark]
    public List<Proposal> ForOneBottle() => _queue.ListPendingProposals("bench");

    [Benchmark]
    public List<Proposal> ForAllBottles() => _queue.ListPendingProposals();
}
