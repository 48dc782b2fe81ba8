using System;
using BotBottle.Storage.Mapping;

namespace BotBottle.Storage.Queue;

/// <summary>
/// One thing that happened to the queue, as <c>queue watch</c> reports it: <c>pending</c> (already
/// waiting when the watch began), <c>proposed</c>, <c>answered</c> (with the decision) or
/// <c>archived</c> (its sidecar consumed the answer) or <c>withdrawn</c> (its agent took it back before an answer),
/// or <c>unreadable</c>: an open proposal's row that cannot be read (written outside bot-bottle), reported once with why.
/// </summary>
/// <param name="Event">pending, proposed, answered, archived, withdrawn or unreadable.</param>
/// <param name="Id">The proposal.</param>
/// <param name="Slug">Its bottle.</param>
/// <param name="Tool">The tool or sidecar that raised it.</param>
/// <param name="At">When it arrived (pending, proposed) or when the watch saw the change (answered, archived, withdrawn).</param>
/// <param name="Status">The decision, for answered.</param>
/// <param name="Reason">Why the row cannot be read, for unreadable.</param>
public sealed record QueueEvent(string Event, string Id, string Slug, string Tool, DateTimeOffset At, string? Status = null, string? Reason = null);

/// <summary>An unarchived proposal and its decision if any: what the watch compares between changes.</summary>
[SqliteRow]
internal sealed record OpenProposal(string Id, string BottleSlug, string Tool, DateTimeOffset ArrivalTimestamp, string? Status);
