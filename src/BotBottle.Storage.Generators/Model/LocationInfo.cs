using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace BotBottle.Storage.Generators.Model
{
    /// <summary>
    /// Where a diagnostic points, kept as plain values: a <see cref="Location"/> holds its syntax
    /// tree, which would pin the compilation and defeat incremental caching.
    /// </summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(Location? location)
        {
            if (location is null || location.SourceTree is null)
            {
                return null;
            }

            return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
        }
    }
}
