using System.Globalization;
using BotBottle.Storage.Errors;

namespace BotBottle.Storage.Limits;

/// <summary>One cap the host can set.</summary>
/// <param name="Name">Its stored name, as <c>limits set</c> takes it.</param>
/// <param name="Description">What it bounds.</param>
/// <param name="Minimum">The smallest value accepted.</param>
/// <param name="Maximum">The largest value accepted.</param>
public sealed record LimitDefinition(string Name, string Description, long Minimum, long Maximum)
{
    /// <summary>Checks <paramref name="value"/> is in range.</summary>
    /// <exception cref="StorageException">InvalidArgument naming the range.</exception>
    public long Check(long value) => value >= Minimum && value <= Maximum
        ? value
        : throw new StorageException(
            StorageErrorKind.InvalidArgument,
            string.Create(CultureInfo.InvariantCulture, $"{Name} must be from {Minimum} to {Maximum}; {value} is out of range."));
}
