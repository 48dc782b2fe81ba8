using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// bot-bottle-propose's command line: the options of <c>bot-bottle-sidecar propose</c>, parsed as
/// System.CommandLine parses them (<c>--name value</c>, <c>--name=value</c>, <c>--name:value</c>,
/// a flag with an optional true/false), with the same help layout and error sentences. It is its own
/// small parser because System.CommandLine was 0.8 MB of this executable's 5.3 MB, and every byte of
/// it is rehydrated at start; the command itself is <see cref="ProposeCommand.RunAsync"/>, shared.
/// </summary>
internal static class ProposeCommandLine
{
    private const string Executable = "bot-bottle-propose";

    private static readonly OptionSpec Db = new(["--db"], "PATH", CommonOptions.DbDescription);
    private static readonly OptionSpec Slug = new(["--slug"], "slug", ProposeCommand.SlugDescription, Required: true);
    private static readonly OptionSpec Tool = new(["--tool"], "NAME", ProposeCommand.ToolDescription, Required: true);
    private static readonly OptionSpec Justification = new(["--justification"], "TEXT", ProposeCommand.JustificationDescription, Required: true);
    private static readonly OptionSpec File = new(["--file"], "PATH", ProposeCommand.FileDescription);
    private static readonly OptionSpec Current = new(["--current"], "PATH", ProposeCommand.CurrentDescription);
    private static readonly OptionSpec Wait = new(["--wait"], null, ProposeCommand.WaitDescription);
    private static readonly OptionSpec Timeout = new(["--timeout"], "SECONDS", ProposeCommand.TimeoutDescription);
    private static readonly OptionSpec Broker = new(["--broker", "--socket"], "ADDRESS", CommonOptions.BrokerDescription);
    private static readonly OptionSpec TokenFile = new(["--broker-token-file", "--token-file"], "PATH", CommonOptions.BrokerTokenFileDescription);
    private static readonly OptionSpec Json = new(["--json"], null, CommonOptions.JsonDescription);
    private static readonly OptionSpec Help = new(["-?", "-h", "--help"], null, "Show help and usage information");
    private static readonly OptionSpec Version = new(["--version"], null, "Show version information");

    /// <summary>In the order --help lists them.</summary>
    private static readonly OptionSpec[] All = [Db, Slug, Tool, Justification, File, Current, Wait, Timeout, Broker, TokenFile, Json, Help, Version];

    /// <summary>Parses <paramref name="args"/> and runs propose, or prints help, the version, or what is wrong (exit 2).</summary>
    public static Task<int> RunAsync(CliContext cli, string[] args, CancellationToken cancellationToken)
    {
        if (CommandLineHost.RefuseArgumentsNotUtf8(cli) is { } refused)
        {
            return Task.FromResult(refused);
        }

        var values = new Dictionary<OptionSpec, string>();
        var errors = new List<string>();
        Parse(args, values, errors);
        if (values.ContainsKey(Help))
        {
            WriteHelp(cli.Output);
            return Task.FromResult(ExitCodes.Success);
        }

        if (values.ContainsKey(Version) && errors.Count == 0)
        {
            if (values.Count > 1)
            {
                errors.Add("--version option cannot be combined with other arguments.");
            }
            else
            {
                cli.Output.WriteLine(ExecutableVersion());
                return Task.FromResult(ExitCodes.Success);
            }
        }

        foreach (OptionSpec required in All)
        {
            if (required.Required && !values.ContainsKey(required) && !errors.Exists(error => error.Contains($"'{required.Name}'", StringComparison.Ordinal)))
            {
                errors.Add($"Option '{required.Name}' is required.");
            }
        }

        double? timeout = null;
        if (values.TryGetValue(Timeout, out string? timeoutText))
        {
            if (double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            {
                timeout = seconds;
            }
            else
            {
                errors.Add($"Cannot parse argument '{timeoutText}' for option '{Timeout.Name}' as a number of seconds.");
            }
        }

        if (errors.Count > 0)
        {
            foreach (string error in errors)
            {
                // Parse errors quote the arguments, which may come from anyone: never print them raw.
                cli.Error.WriteLine("error: " + Storage.Text.AgentText.Visible(error));
            }

            cli.Error.WriteLine($"Run '{Executable} --help' for usage.");
            return Task.FromResult(ExitCodes.Usage);
        }

        var arguments = new ProposeArguments(
            values[Slug],
            values[Tool],
            values[Justification],
            values.GetValueOrDefault(File),
            values.GetValueOrDefault(Current),
            IsSet(values, Wait),
            timeout,
            values.GetValueOrDefault(Broker),
            values.GetValueOrDefault(TokenFile),
            values.GetValueOrDefault(Db),
            IsSet(values, Json));
        return CommandLineHost.RunGuardedAsync(Executable, cli, () => ProposeCommand.RunAsync(cli, arguments, cancellationToken));
    }

    /// <summary>The help text, laid out as System.CommandLine lays out bot-bottle-sidecar's.</summary>
    public static void WriteHelp(TextWriter output)
    {
        var help = new StringBuilder();
        help.Append("Description:\n");
        foreach (string line in ProposeCommand.ExecutableDescription.Split('\n'))
        {
            help.Append("  ").Append(line).Append('\n');
        }

        help.Append("\nUsage:\n  ").Append(Executable).Append(" [options]\n\nOptions:\n");
        string[] firsts = Array.ConvertAll(All, option => string.Join(", ", option.Names) + (option.HelpName is null ? string.Empty : $" <{option.HelpName}>") + (option.Required ? " (REQUIRED)" : string.Empty));
        int width = 0;
        foreach (string first in firsts)
        {
            width = Math.Max(width, first.Length);
        }

        for (int i = 0; i < All.Length; i++)
        {
            help.Append("  ").Append(firsts[i].PadRight(width + 2)).Append(All[i].Description).Append('\n');
        }

        output.Write(help.Append('\n').ToString());
    }

    private static void Parse(string[] args, Dictionary<OptionSpec, string> values, List<string> errors)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string token = args[i];
            OptionSpec? option = Find(token);
            string? inline = null;
            if (option is null && token.StartsWith('-') && token.IndexOfAny(['=', ':']) is > 0 and int split)
            {
                option = Find(token[..split]);
                inline = option is null ? null : token[(split + 1)..];
            }

            if (option is null)
            {
                errors.Add($"Unrecognized command or argument '{token}'.");
                continue;
            }

            string value;
            if (option.HelpName is null)
            {
                // A flag: alone it is true; like System.CommandLine, it also takes "true" or "false".
                string? given = inline ?? (i + 1 < args.Length && bool.TryParse(args[i + 1], out _) ? args[++i] : null);
                if (given is not null && !bool.TryParse(given, out _))
                {
                    errors.Add($"Cannot parse argument '{given}' for option '{option.Name}' as expected type 'System.Boolean'.");
                    continue;
                }

                value = given ?? bool.TrueString;
            }
            else if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < args.Length && Find(args[i + 1]) is null)
            {
                value = args[++i];
            }
            else
            {
                errors.Add($"Required argument missing for option: '{option.Name}'.");
                continue;
            }

            if (!values.TryAdd(option, value))
            {
                errors.Add($"Option '{option.Name}' expects a single argument but 2 were provided.");
            }
        }
    }

    private static OptionSpec? Find(string token) => Array.Find(All, option => Array.IndexOf(option.Names, token) >= 0);

    private static bool IsSet(Dictionary<OptionSpec, string> values, OptionSpec flag)
        => values.TryGetValue(flag, out string? value) && bool.Parse(value);

    /// <summary>What --version prints: the informational version, with the commit it was built from.</summary>
    private static string ExecutableVersion()
        => typeof(ProposeCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
           ?? typeof(ProposeCommandLine).Assembly.GetName().Version?.ToString()
           ?? "unknown";

    /// <param name="Names">Every spelling; the first is the one messages use.</param>
    /// <param name="HelpName">The value's name in help; null for a flag.</param>
    /// <param name="Description">The help text, the same words as bot-bottle-sidecar propose's.</param>
    /// <param name="Required">Whether propose cannot run without it.</param>
    private sealed record OptionSpec(string[] Names, string? HelpName, string Description, bool Required = false)
    {
        public string Name => Array.Find(Names, name => name.StartsWith("--", StringComparison.Ordinal)) ?? Names[0];
    }
}
