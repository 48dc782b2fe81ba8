using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
using BotBottle.Storage.Json;
using BotBottle.Storage.Mapping;
using BotBottle.Storage.Queue;

namespace BotBottle.Native;

/// <summary>
/// The C ABI (include/bot_bottle.h). Every export catches everything: no exception crosses the
/// boundary. Each returns a bb_error; on failure bb_last_error() says why and out-parameters are NULL.
/// </summary>
internal static unsafe class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "bb_open")]
    public static int Open(byte* path, nint* handle)
    {
        try
        {
            Require(handle, "out_handle");
            *handle = 0;
            string? dbPath = NativeStrings.ReadOptional(path, "path");

            // As the host commands choose (Stores.Locate): the path or postgres:// URL given, else the
            // fleet config when the host has one, else the host's SQLite file.
            *handle = HandleTable.Add(new OpenDatabase(Storage.Stores.OpenHost(Storage.Stores.Locate(dbPath))));
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_close")]
    public static int Close(nint handle) => Run(() =>
    {
        OpenDatabase database = HandleTable.Remove(handle) ?? throw new InvalidHandleException();
        database.Closing.Cancel();
        database.Connections.Dispose();
    });

    [UnmanagedCallersOnly(EntryPoint = "bb_write_proposal")]
    public static int WriteProposal(nint handle, byte* proposalJson, byte** result)
    {
        return ReturnJson(result, () =>
        {
            ProposalDraftInput input = Parse(proposalJson, "proposal_json", NativeJsonContext.Default.ProposalDraftInput);
            ProposalWriteResult written = HandleTable.Get(handle).Queue.WriteOrJoinProposal(new ProposalDraft(
                input.BottleSlug ?? string.Empty, input.Tool ?? string.Empty, input.ProposedFile!, input.Justification!, input.CurrentFile));
            return Json(written.Proposal, NativeJson.Readable.Proposal);
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_read_proposal")]
    public static int ReadProposal(nint handle, byte* proposalId, byte** result)
    {
        return ReturnJson(result, () =>
        {
            string id = NativeStrings.Read(proposalId, "proposal_id");
            return Json(HandleTable.Get(handle).Queue.ReadProposal(id) ?? throw new StorageException(StorageErrorKind.NotFound, $"No proposal {id}."), NativeJson.Readable.Proposal);
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_read_bottle_proposal")]
    public static int ReadBottleProposal(nint handle, byte* bottleSlug, byte* proposalId, byte** result)
    {
        return ReturnJson(result, () =>
        {
            string slug = NativeStrings.Read(bottleSlug, "bottle_slug");
            string id = NativeStrings.Read(proposalId, "proposal_id");
            return Json(HandleTable.Get(handle).Queue.ForBottle(slug).ReadProposal(id) ?? throw new StorageException(StorageErrorKind.NotFound, $"No proposal {id} for bottle {slug}."), NativeJson.Readable.Proposal);
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_list_pending_proposals")]
    public static int ListPendingProposals(nint handle, byte* bottleSlug, byte** result)
    {
        return ReturnJson(result, () => RowListJson.Serialize(HandleTable.Get(handle).Queue.ListPendingProposals(NativeStrings.ReadOptional(bottleSlug, "bottle_slug")), NativeJson.Readable.ListProposal, "id"));
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_list_bottles")]
    public static int ListBottles(nint handle, byte** result)
    {
        return ReturnJson(result, () => RowListJson.Serialize(HandleTable.Get(handle).Bottles.List(), NativeJson.Readable.ListBottleStatus, "slug"));
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_decide")]
    public static int Decide(nint handle, byte* decisionJson, byte** result)
    {
        return ReturnJson(result, () => Json(DecideAsOperator(handle, decisionJson, "decision_json"), NativeJson.Readable.Decision));
    }

    /// <summary>The older name for a decision: the same rules and audit entry as bb_decide, nothing returned.</summary>
    [UnmanagedCallersOnly(EntryPoint = "bb_write_response")]
    public static int WriteResponse(nint handle, byte* responseJson)
    {
        return Run(() => DecideAsOperator(handle, responseJson, "response_json"));
    }

    /// <summary>
    /// A host process decides as the CLI does, through <see cref="OperatorDecisions"/>: notes for a
    /// rejection, the tool's rule and the text rules for a final file, and the response with its audit
    /// entry in one transaction.
    /// </summary>
    private static Decision DecideAsOperator(nint handle, byte* json, string name)
    {
        ResponseInput input = Parse(json, name, NativeJsonContext.Default.ResponseInput);
        if (!ResponseStatusSqliteText.TryParse(input.Status, out ResponseStatus status))
        {
            throw new NativeArgumentException($"status '{input.Status}' is not one of approved, modified, rejected.");
        }

        // A missing id is the store's to refuse, as for every other door.
        return HandleTable.Get(handle).Decisions.Decide(input.ProposalId!, status, input.Notes ?? string.Empty, input.FinalFile);
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_read_response")]
    public static int ReadResponse(nint handle, byte* proposalId, byte** result)
    {
        return ReturnJson(result, () =>
        {
            string id = NativeStrings.Read(proposalId, "proposal_id");
            return Json(HandleTable.Get(handle).Queue.ReadResponse(id) ?? throw new StorageException(StorageErrorKind.NotFound, $"Proposal {id} has no response (or does not exist)."), NativeJson.Readable.Response);
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_wait_for_response")]
    public static int WaitForResponse(nint handle, byte* proposalId, long timeoutMs, byte** result)
    {
        return ReturnJson(result, () =>
        {
            OpenDatabase database = HandleTable.Get(handle);
            string id = NativeStrings.Read(proposalId, "proposal_id");
            TimeSpan timeout = timeoutMs < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Min(timeoutMs, int.MaxValue));
            Response response = database.Queue.WaitForResponseAsync(id, timeout, database.Closing.Token).GetAwaiter().GetResult()
                ?? throw new NativeTimeoutException($"No response to {id} within {timeoutMs} ms; the proposal is still pending.");
            return Json(response, NativeJson.Readable.Response);
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_archive_proposal")]
    public static int ArchiveProposal(nint handle, byte* proposalId)
    {
        return Run(() => HandleTable.Get(handle).Queue.ArchiveProposal(NativeStrings.Read(proposalId, "proposal_id")));
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_write_audit_entry")]
    public static int WriteAuditEntry(nint handle, byte* entryJson, byte** result)
    {
        return ReturnJson(result, () =>
        {
            AuditEntryInput input = Parse(entryJson, "entry_json", NativeJsonContext.Default.AuditEntryInput);
            var entry = new AuditEntry(
                0,
                input.Timestamp ?? DateTimeOffset.UtcNow,
                input.BottleSlug!,
                input.Component!,
                input.OperatorAction!,
                input.OperatorNotes ?? string.Empty,
                input.Justification ?? string.Empty,
                input.Diff ?? string.Empty);
            return Json(HandleTable.Get(handle).Audit.WriteAuditEntry(entry), NativeJson.Readable.AuditEntry);
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_read_audit_entries")]
    public static int ReadAuditEntries(nint handle, byte* filterJson, byte** result)
    {
        return ReturnJson(result, () =>
        {
            AuditFilterInput filter = filterJson is null
                ? new AuditFilterInput(null, null, null, null, null)
                : Parse(filterJson, "filter_json", NativeJsonContext.Default.AuditFilterInput);
            RowList<AuditEntry> entries = HandleTable.Get(handle).Audit.ReadAuditEntries(new AuditQuery(filter.BottleSlug, filter.Component, filter.Since, filter.Until, filter.Limit));
            return RowListJson.Serialize(entries, NativeJson.Readable.ListAuditEntry, "id");
        });
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_last_error")]
    public static byte* GetLastError()
    {
        try
        {
            return LastError.Message is { } message ? NativeStrings.Allocate(message) : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_free")]
    public static void Free(byte* value) => NativeStrings.Free(value);

    private static void Require(void* pointer, string name)
    {
        if (pointer is null)
        {
            throw new NativeArgumentException($"{name} is NULL.");
        }
    }

    /// <summary>
    /// Every export but bb_open is one of two shapes, and these are the one place each is guarded: no
    /// exception crosses the boundary, and a failure sets bb_last_error and returns its code.
    /// </summary>
    private static int Run(Action call)
    {
        try
        {
            call();
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    /// <summary>The shape that hands JSON back: out_json is NULL unless the call succeeds.</summary>
    private static int ReturnJson(byte** result, Func<string> call)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            string json = call();
            *result = NativeStrings.Allocate(json);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    private static T Parse<T>(byte* json, string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        where T : class
    {
        string text = NativeStrings.Read(json, name);
        try
        {
            return JsonSerializer.Deserialize(text, typeInfo) ?? throw new NativeArgumentException($"{name} is JSON null; send an object.");
        }
        catch (JsonException exception)
        {
            throw new NativeArgumentException($"{name} is not the expected JSON object: {exception.Message}");
        }
    }

    private static string Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        => JsonSerializer.Serialize(value, typeInfo);

    private static int Fail(Exception exception) => exception switch
    {
        NativeArgumentException argument => LastError.Set(BbError.InvalidArgument, argument.Message),
        StorageException storage => LastError.Set(BbErrors.From(storage.Kind), storage.Message),
        InvalidHandleException invalid => LastError.Set(BbError.InvalidHandle, invalid.Message),
        NativeTimeoutException timeout => LastError.Set(BbError.Timeout, timeout.Message),
        OperationCanceledException => LastError.Set(BbError.Closed, "The handle was closed while waiting; the proposal is still pending."),
        ArgumentException argument => LastError.Set(BbError.InvalidArgument, argument.Message),
        _ => LastError.Set(BbError.Internal, "Unexpected error: " + exception.Message),
    };
}

/// <summary>bb_wait_for_response: no answer within the caller's timeout (BB_ERR_TIMEOUT).</summary>
internal sealed class NativeTimeoutException(string message) : Exception(message);
