using System;
using System.CommandLine;
using System.Threading.Tasks;

namespace BotBottle.Sidecar.Cli;

/// <summary>
/// What both executables (bot-bottle-sidecar and bot-bottle-propose) do around their command line:
/// refuse arguments that are not UTF-8, print parse errors safely, and turn what escapes a command into
/// an exit code.
/// </summary>
internal static class CommandLineHost
{
    public static async Task<int> RunAsync(RootCommand root, string executable, CliContext cli, string[] args)
    {
        if (RefuseArgumentsNotUtf8(cli) is { } refused)
        {
            return refused;
        }

        // No response files: System.CommandLine would replace any argument starting with '@' by the
        // words of the file it names, so a justification such as "@/etc/hostname", passed on by a
        // script from text it does not control, would queue that file's contents instead.
        ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
            {
                // Parse errors quote the arguments, which may come from anyone: never print them raw.
                cli.Error.WriteLine("error: " + Storage.Text.AgentText.Visible(error.Message));
            }

            cli.Error.WriteLine($"Run '{CommandPath(parse, executable)} --help' for usage.");
            return ExitCodes.Usage;
        }

        // serve lets ASP.NET Core own SIGTERM (graceful stop); other commands end on the default signal handling.
        return await RunGuardedAsync(executable, cli, () => parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false })).ConfigureAwait(false);
    }

    /// <summary>Exit code 2 with the reason when an argument's bytes are not UTF-8; null when all are.</summary>
    public static int? RefuseArgumentsNotUtf8(CliContext cli)
        => InvalidUtf8Argument() is { } position
            // The runtime would have replaced the bytes with U+FFFD, silently changing what gets stored.
            ? cli.Fail(ExitCodes.Usage, $"argument {position} is not UTF-8 text; pass UTF-8 (or a file with --file).")
            : null;

    /// <summary>Runs a parsed command; what escapes it becomes a sentence on stderr and an exit code.</summary>
    public static async Task<int> RunGuardedAsync(string executable, CliContext cli, Func<Task<int>> command)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (Exception exception) when (MissingNativeLibrary(exception) is { } missing)
        {
            // A copied executable without the SQLite library beside it: say so, not "a type initializer threw".
            return cli.Fail(ExitCodes.MissingDependency, $"a native library could not be loaded ({missing.Message}). {executable} loads libe_sqlite3 from its own directory: keep the files of dist/RID/ together.");
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            cli.Error.WriteLine("error: unexpected: " + Storage.Text.AgentText.Visible(exception.Message));
            return ExitCodes.Internal;
        }
    }

    private static DllNotFoundException? MissingNativeLibrary(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is DllNotFoundException missing)
            {
                return missing;
            }
        }

        return null;
    }

    /// <summary>The 1-based position of the first argument whose raw bytes are not UTF-8 (Linux: /proc/self/cmdline), or null.</summary>
    private static int? InvalidUtf8Argument()
    {
        byte[] commandLine;
        try
        {
            commandLine = System.IO.File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (Exception exception) when (exception is System.IO.IOException or UnauthorizedAccessException)
        {
            return null;
        }

        int position = 0;
        foreach (System.Range range in ((ReadOnlySpan<byte>)commandLine).Split((byte)0))
        {
            // The first entry is the program's own path, which is the system's business.
            if (position > 0 && !System.Text.Unicode.Utf8.IsValid(commandLine.AsSpan(range)))
            {
                return position;
            }

            position++;
        }

        return null;
    }

    private static string CommandPath(ParseResult parse, string executable)
    {
        var names = new System.Collections.Generic.List<string>();
        for (System.CommandLine.Parsing.SymbolResult? result = parse.CommandResult; result is System.CommandLine.Parsing.CommandResult command; result = command.Parent)
        {
            names.Insert(0, command.Command is RootCommand ? executable : command.Command.Name);
        }

        return string.Join(' ', names);
    }
}
