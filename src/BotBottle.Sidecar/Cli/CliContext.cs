using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using BotBottle.Storage.Mapping;
using System.Text.Json.Serialization.Metadata;
using BotBottle.Storage.Errors;

namespace BotBottle.Sidecar.Cli;

/// <summary>Where a command writes, and how it turns errors into messages and exit codes.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Runs <paramref name="command"/>; a storage error becomes "error: …" on stderr and its exit code.</summary>
    public int Run(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (StorageException exception)
        {
            return Fail(ExitCodes.For(exception.Kind), exception.Message);
        }
        catch (UsageException exception)
        {
            return Fail(ExitCodes.Usage, exception.Message);
        }
        catch (IOException exception)
        {
            return Fail(ExitCodes.Unavailable, exception.Message);
        }
        catch (UnauthorizedAccessException exception)
        {
            return Fail(ExitCodes.Unavailable, exception.Message);
        }
    }

    /// <summary>Prints "error: …" (any control or bidi character in it shown as an escape) and returns <paramref name="exitCode"/>.</summary>
    public int Fail(int exitCode, string message)
    {
        Error.WriteLine("error: " + Storage.Text.AgentText.Visible(message));
        return exitCode;
    }

    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
        => Output.WriteLine(JsonSerializer.Serialize(value, typeInfo));

    /// <summary>
    /// A list as scripts want it (<paramref name="json"/>: the whole list as JSON) or as people do:
    /// <paramref name="empty"/> when there is nothing, else an aligned table whose cells show every
    /// stored character visibly.
    /// </summary>
    public void WriteList<T>(bool json, IReadOnlyList<T> items, JsonTypeInfo<List<T>> typeInfo, string empty, string[] headers, Func<T, string[]> row)
    {
        if (json)
        {
            WriteJson([.. items], typeInfo);
        }
        else if (items.Count == 0)
        {
            Output.WriteLine(empty);
        }
        else
        {
            TableWriter.Write(Output, headers, items.Select(row));
        }
    }

    /// <summary>
    /// As <see cref="WriteList{T}(bool, IReadOnlyList{T}, JsonTypeInfo{List{T}}, string, string[], Func{T, string[]})"/>,
    /// then every row that could not be read: in JSON an element <c>{"KEY": key, "unreadable": why}</c>
    /// after the others, in a table a line each. One bad row never hides the rest, nor hides itself.
    /// </summary>
    public void WriteList<T>(bool json, RowList<T> items, JsonTypeInfo<List<T>> typeInfo, string empty, string[] headers, Func<T, string[]> row, string keyName)
        where T : class
    {
        if (items.Unreadable.Count == 0)
        {
            WriteList(json, items, typeInfo, empty, headers, row);
            return;
        }

        if (json)
        {
            Output.WriteLine(Storage.Json.RowListJson.Serialize(items, typeInfo, keyName));
            return;
        }

        if (items.Count > 0)
        {
            TableWriter.Write(Output, headers, items.Select(row));
        }

        WriteUnreadable(items.Unreadable, keyName);
    }

    /// <summary>One line per unreadable row, every stored character shown visibly (a planted row may hold anything).</summary>
    public void WriteUnreadable(IReadOnlyList<UnreadableRow> rows, string keyName)
    {
        foreach (UnreadableRow unreadable in rows)
        {
            Output.WriteLine($"unreadable {keyName} {Storage.Text.AgentText.Visible(unreadable.Key, multiline: false)}: {Storage.Text.AgentText.Visible(unreadable.Reason, multiline: false)} (written outside bot-bottle; the rest is listed)");
        }
    }
}

/// <summary>A command-line value that parsed but makes no sense (a missing file, a bad timestamp).</summary>
internal sealed class UsageException(string message) : Exception(message);
