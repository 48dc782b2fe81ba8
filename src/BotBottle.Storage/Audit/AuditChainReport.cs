namespace BotBottle.Storage.Audit;

/// <summary>The result of <see cref="AuditStore.VerifyChain"/>.</summary>
/// <param name="Ok">True when every entry is present, unedited and in order.</param>
/// <param name="Checked">How many entries were checked.</param>
/// <param name="FirstBrokenId">The first entry whose link is broken, if any.</param>
/// <param name="Problem">What is wrong at that entry, and what it means.</param>
public sealed record AuditChainReport(bool Ok, long Checked, long? FirstBrokenId, string? Problem);
