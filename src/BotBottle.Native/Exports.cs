using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Database;
using BotBottle.Storage.Errors;
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
            *handle = HandleTable.Add(new OpenDatabase(BotBottleDatabase.OpenHost(dbPath)));
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_close")]
    public static int Close(nint handle)
    {
        try
        {
            OpenDatabase database = HandleTable.Remove(handle) ?? throw new InvalidHandleException();
            database.Closing.Cancel();
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_write_proposal")]
    public static int WriteProposal(nint handle, byte* proposalJson, byte** result)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            OpenDatabase database = HandleTable.Get(handle);
            ProposalDraftInput input = Parse(proposalJson, "proposal_json", NativeJsonContext.Default.ProposalDraftInput);
            ProposalWriteResult written = database.Queue.WriteOrJoinProposal(new ProposalDraft(
                input.BottleSlug ?? string.Empty, input.Tool ?? string.Empty, input.ProposedFile!, input.Justification!, input.CurrentFile));
            *result = Json(written.Proposal, NativeJson.Readable.Proposal);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_read_proposal")]
    public static int ReadProposal(nint handle, byte* proposalId, byte** result)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            OpenDatabase database = HandleTable.Get(handle);
            string id = NativeStrings.Read(proposalId, "proposal_id");
            Proposal proposal = database.Queue.ReadProposal(id) ?? throw new StorageException(StorageErrorKind.NotFound, $"No proposal {id}.");
            *result = Json(proposal, NativeJson.Readable.Proposal);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_list_pending_proposals")]
    public static int ListPendingProposals(nint handle, byte* bottleSlug, byte** result)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            OpenDatabase database = HandleTable.Get(handle);
            List<Proposal> pending = database.Queue.ListPendingProposals(NativeStrings.ReadOptional(bottleSlug, "bottle_slug"));
            *result = Json(pending, NativeJson.Readable.ListProposal);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_write_response")]
    public static int WriteResponse(nint handle, byte* responseJson)
    {
        try
        {
            OpenDatabase database = HandleTable.Get(handle);
            ResponseInput input = Parse(responseJson, "response_json", NativeJsonContext.Default.ResponseInput);
            if (!ResponseStatusSqliteText.TryParse(input.Status, out ResponseStatus status))
            {
                throw new NativeArgumentException($"status '{input.Status}' is not one of approved, modified, rejected.");
            }

            database.Queue.WriteResponse(new Response(input.ProposalId!, status, input.Notes ?? string.Empty, input.FinalFile, Archived: false));
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_read_response")]
    public static int ReadResponse(nint handle, byte* proposalId, byte** result)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            OpenDatabase database = HandleTable.Get(handle);
            string id = NativeStrings.Read(proposalId, "proposal_id");
            Response response = database.Queue.ReadResponse(id) ?? throw new StorageException(StorageErrorKind.NotFound, $"Proposal {id} has no response (or does not exist).");
            *result = Json(response, NativeJson.Readable.Response);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_wait_for_response")]
    public static int WaitForResponse(nint handle, byte* proposalId, long timeoutMs, byte** result)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            OpenDatabase database = HandleTable.Get(handle);
            string id = NativeStrings.Read(proposalId, "proposal_id");
            TimeSpan timeout = timeoutMs < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Min(timeoutMs, int.MaxValue));
            Response? response = database.Queue.WaitForResponseAsync(id, timeout, database.Closing.Token).GetAwaiter().GetResult();
            if (response is null)
            {
                return LastError.Set(BbError.Timeout, $"No response to {id} within {timeoutMs} ms; the proposal is still pending.");
            }

            *result = Json(response, NativeJson.Readable.Response);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_archive_proposal")]
    public static int ArchiveProposal(nint handle, byte* proposalId)
    {
        try
        {
            HandleTable.Get(handle).Queue.ArchiveProposal(NativeStrings.Read(proposalId, "proposal_id"));
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_write_audit_entry")]
    public static int WriteAuditEntry(nint handle, byte* entryJson, byte** result)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            OpenDatabase database = HandleTable.Get(handle);
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
            *result = Json(database.Audit.WriteAuditEntry(entry), NativeJson.Readable.AuditEntry);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "bb_read_audit_entries")]
    public static int ReadAuditEntries(nint handle, byte* filterJson, byte** result)
    {
        try
        {
            Require(result, "out_json");
            *result = null;
            OpenDatabase database = HandleTable.Get(handle);
            AuditFilterInput filter = filterJson is null
                ? new AuditFilterInput(null, null, null, null, null)
                : Parse(filterJson, "filter_json", NativeJsonContext.Default.AuditFilterInput);
            List<AuditEntry> entries = database.Audit.ReadAuditEntries(new AuditQuery(filter.BottleSlug, filter.Component, filter.Since, filter.Until, filter.Limit));
            *result = Json(entries, NativeJson.Readable.ListAuditEntry);
            return LastError.Ok();
        }
        catch (Exception exception)
        {
            return Fail(exception);
        }
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

    private static byte* Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        => NativeStrings.Allocate(JsonSerializer.Serialize(value, typeInfo));

    private static int Fail(Exception exception) => exception switch
    {
        NativeArgumentException argument => LastError.Set(BbError.InvalidArgument, argument.Message),
        StorageException storage => LastError.Set(BbErrors.From(storage.Kind), storage.Message),
        InvalidHandleException invalid => LastError.Set(BbError.InvalidHandle, invalid.Message),
        OperationCanceledException => LastError.Set(BbError.Closed, "The handle was closed while waiting; the proposal is still pending."),
        ArgumentException argument => LastError.Set(BbError.InvalidArgument, argument.Message),
        _ => LastError.Set(BbError.Internal, "Unexpected error: " + exception.Message),
    };
}
