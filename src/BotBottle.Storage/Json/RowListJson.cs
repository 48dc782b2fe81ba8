using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Json;

/// <summary>
/// A listing as JSON for every door that prints one (the CLI's --json, the C ABI): the readable rows
/// as the array they always were, then one element <c>{"KEY": key, "unreadable": why}</c> per row
/// that could not be read, so a script sees it rather than a shorter list.
/// </summary>
public static class RowListJson
{
    /// <summary>Serialises <paramref name="rows"/> with <paramref name="typeInfo"/>, unreadable rows last, keyed by <paramref name="keyName"/>.</summary>
    public static string Serialize<T>(RowList<T> rows, JsonTypeInfo<List<T>> typeInfo, string keyName)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (rows.Unreadable.Count == 0)
        {
            return JsonSerializer.Serialize<List<T>>(rows, typeInfo);
        }

        JsonArray array = JsonSerializer.SerializeToNode<List<T>>(rows, typeInfo)!.AsArray();
        foreach (UnreadableRow unreadable in rows.Unreadable)
        {
            array.Add((JsonNode)new JsonObject { [keyName] = unreadable.Key, ["unreadable"] = unreadable.Reason });
        }

        return array.ToJsonString(typeInfo.Options);
    }
}
