using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using BotBottle.Storage.Database;
using BotBottle.Storage.Limits;

namespace BotBottle.Sidecar.Cli;

/// <summary><c>limits …</c>: the caps on what agents can queue (host role; sidecars only read them).</summary>
internal static class LimitsCommands
{
    public static Command Build(CliContext cli)
    {
        var limits = new Command("limits", """
            Show or change the caps on what agents can queue (host role). They are stored in the
            database, so every sidecar, broker and library call applies the same ones at once:

              pending_per_bottle        proposals one bottle may have waiting for the operator
              pending_bytes_per_bottle  bytes those pending proposals may hold together
              rate_burst, rate_per_hour new proposals a bottle may make at once, and per hour after
              free_space_reserve_bytes  free disk kept for the operator: below it proposals are refused

            A refused proposal gets 'limit_reached: …' (exit 13) saying what to wait for; a retried
            identical proposal joins the open one and is never refused.
            """);
        limits.Subcommands.Add(Show(cli));
        limits.Subcommands.Add(Set(cli));
        limits.Subcommands.Add(Reset(cli));
        return limits;
    }

    private static Command Show(CliContext cli)
    {
        var command = new Command("show", "Print each limit, its default, and whether the host changed it.") { CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            LimitsStore store = HostDatabase.Open(parse).Limits;
            Print(cli, parse, store.Read(), store.ReadChanged());
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Set(CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "The limit, as 'limits show' names it." };
        var value = new Argument<string>("value") { Description = "A whole number; byte limits also take a K, M or G suffix (powers of 1024)." };
        var command = new Command("set", "Change a limit; it applies to the next proposal on every door.") { name, value, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            LimitsStore store = HostDatabase.Open(parse).Limits;
            SuperviseLimits updated = store.Set(parse.GetValue(name)!, ParseValue(parse.GetValue(value)!));
            Print(cli, parse, updated, store.ReadChanged());
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Reset(CliContext cli)
    {
        var name = new Argument<string>("name") { Description = "The limit to return to its default." };
        var command = new Command("reset", "Return a limit to its compiled-in default.") { name, CommonOptions.Json };
        command.SetAction(parse => cli.Run(() =>
        {
            LimitsStore store = HostDatabase.Open(parse).Limits;
            SuperviseLimits updated = store.Reset(parse.GetValue(name)!);
            Print(cli, parse, updated, store.ReadChanged());
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>A whole number, optionally with a K, M or G suffix (powers of 1024).</summary>
    internal static long ParseValue(string text)
    {
        string trimmed = text.Trim();
        long multiplier = 1;
        if (trimmed.Length > 0 && char.ToUpperInvariant(trimmed[^1]) is 'K' or 'M' or 'G' && trimmed.Length > 1)
        {
            multiplier = char.ToUpperInvariant(trimmed[^1]) switch { 'K' => 1024L, 'M' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            trimmed = trimmed[..^1];
        }

        return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long number) && number <= long.MaxValue / multiplier
            ? number * multiplier
            : throw new UsageException($"'{text}' is not a whole number (byte limits may end in K, M or G).");
    }

    private static void Print(CliContext cli, ParseResult parse, SuperviseLimits limits, IReadOnlySet<string> changed)
    {
        List<LimitRow> rows = SuperviseLimits.Definitions
            .Select(d => new LimitRow(d.Name, limits[d.Name], SuperviseLimits.Defaults[d.Name], changed.Contains(d.Name), d.Description))
            .ToList();
        if (parse.GetValue(CommonOptions.Json))
        {
            cli.WriteJson(rows, SidecarJson.Readable.ListLimitRow);
            return;
        }

        TableWriter.Write(
            cli.Output,
            ["LIMIT", "VALUE", "DEFAULT", "MEANING"],
            rows.Select(static r => new[] { r.Name, Number(r.Value) + (r.Changed ? " (set)" : string.Empty), Number(r.Default), r.Description }));
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>One limit as <c>limits show --json</c> prints it.</summary>
/// <param name="Name">The limit's name.</param>
/// <param name="Value">The value in force.</param>
/// <param name="Default">The compiled-in default.</param>
/// <param name="Changed">Whether the host set it.</param>
/// <param name="Description">What it bounds.</param>
internal sealed record LimitRow(string Name, long Value, long Default, bool Changed, string Description);
