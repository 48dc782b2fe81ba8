using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BotBottle.Tests.Fuzzing;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// 10,000 generated malformed command lines against the published binary: every run ends on its
/// own with a documented exit code (never a crash or an internal error), and rows change only by
/// what commands reported as done.
/// </summary>
// 10,000 processes or requests: run against the native binary only (build/test.sh leaves them out under emulation).
[Trait("Category", "Fuzz")]
public sealed class CliFuzzTests : IDisposable
{
    private const int Runs = 10_000;

    // serve, doctor, healthcheck and db down are left out: a server never exits, and the others
    // legitimately report problems (doctor, healthcheck) or rewrite the schema (down).
    private static readonly string[][] Commands =
    [
        ["propose"], ["queue", "pending"], ["queue", "show"], ["queue", "approve"], ["queue", "modify"],
        ["queue", "reject"], ["audit", "list"], ["audit", "verify"], ["db", "status"], ["db", "check"], ["db", "migrate", "--dry-run"],
        ["limits", "show"], ["limits", "set"], ["limits", "reset"],
    ];

    private static readonly string[] Options =
    [
        "--slug", "--tool", "--justification", "--file", "--current", "--timeout", "--json", "--notes", "--final-file",
        "--since", "--until", "--limit", "--component", "--to", "--wait", "--bogus", "-x", "--", "--help",
    ];

    private static readonly int[] Documented = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

    private readonly TestHome _home = new TestHome().Migrated();

    public void Dispose() => _home.Dispose();

    [Fact]
    public Task Ten_thousand_malformed_command_lines_end_with_documented_codes_and_no_unreported_writes()
    {
        FuzzSeed seed = FuzzSeed.For(1000, "BotBottle.Sidecar.Tests", GetType());
        return seed.CheckAsync(() => RunMalformedCommandLinesAsync(seed));
    }

    private async Task RunMalformedCommandLinesAsync(FuzzSeed seed)
    {
        string pendingId = SidecarBinary.Run("--db", _home.DbPath, "propose", "--slug", "bottle-a", "--tool", "git-gate", "--justification", "target").Output.Trim();
        var failures = new ConcurrentBag<string>();

        // Distinct ids, not successful runs: an identical retry joins the open proposal (no new row).
        var proposed = new ConcurrentDictionary<string, bool> { [pendingId] = true };
        int answered = 0, next = -1;

        async Task Worker()
        {
            for (int index = Interlocked.Increment(ref next); index < Runs; index = Interlocked.Increment(ref next))
            {
                Random random = seed.ForCase(index);
                string[] command = Commands[random.Next(Commands.Length)];
                List<string> args = ["--db", _home.DbPath, .. command];
                if (command[0] == "queue" && command.Length > 1 && command[1] is "show" or "approve" or "modify" or "reject" && random.Next(3) > 0)
                {
                    args.Add(random.Next(4) == 0 ? pendingId : Value(random));
                }

                for (int i = random.Next(0, 6); i > 0; i--)
                {
                    args.Add(Options[random.Next(Options.Length)]);
                    if (random.Next(4) > 0)
                    {
                        args.Add(Value(random));
                    }
                }

                // propose --wait without a short timeout would (correctly) wait for an operator forever.
                if (args.Contains("--wait"))
                {
                    args.AddRange(["--timeout", "0"]);
                }

                CommandResult result = await Task.Run(() => SidecarBinary.Run([.. args]));
                string printed = result.Output + result.Error;
                if (HostileText.IndexOfRaw(printed) is >= 0 and int raw)
                {
                    failures.Add($"case {index}: raw U+{(int)printed[raw]:X4} printed for {string.Join(' ', args.Skip(2))}");
                }
                else if (!Documented.Contains(result.ExitCode))
                {
                    failures.Add($"case {index}: exit {result.ExitCode} for {string.Join(' ', args.Skip(2))}: {result.Error[..Math.Min(result.Error.Length, 300)]}");
                }
                else if (result.ExitCode is 0 or 10 or 11 && command[0] == "propose" && !args.Contains("--help"))
                {
                    string output = result.Output.Trim();
                    proposed[output.StartsWith('{') ? (string)System.Text.Json.Nodes.JsonNode.Parse(output)!["proposal_id"]! : output] = true;
                }
                else if (result.ExitCode == 0 && command[0] == "queue" && command[1] is "approve" or "modify" or "reject" && !args.Contains("--help"))
                {
                    Interlocked.Increment(ref answered);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Worker()));

        Assert.True(failures.IsEmpty, $"{failures.Count} runs ended outside the documented codes, e.g.:\n" + string.Join("\n", failures.Take(5)));
        Assert.Equal(proposed.Count, _home.Count("supervise_proposals"));
        Assert.Equal(answered, _home.Count("supervise_responses"));
        Assert.Equal(answered, _home.Count("supervise_audit_entries"));
        Assert.Equal(0, _home.Host("db", "check").ExitCode);
    }

    private static string Value(Random random) => random.Next(10) switch
    {
        0 => string.Empty,
        1 => new string('x', random.Next(1, 5000)),
        2 => "Bad Slug!",
        3 => "-1",
        4 => "99999999999999999999",
        5 => "/nonexistent/file",
        6 => "2026-13-45",
        7 => "bottle-" + random.Next(3),
        8 => "ünïcødé \u0007 \u001b[31m",
        9 when random.Next(2) == 0 => HostileText.Pick(random),
        _ => random.Next(0, 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
