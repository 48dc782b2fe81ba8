namespace BotBottle.Storage.Diagnostics;

/// <summary>One line of a diagnosis.</summary>
/// <param name="Name">What was checked (placement, journal mode, …).</param>
/// <param name="Ok">Whether it passed.</param>
/// <param name="Detail">What was found, and when it failed, what to do.</param>
public sealed record DoctorCheck(string Name, bool Ok, string Detail);
