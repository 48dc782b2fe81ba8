namespace BotBottle.Storage.Generators.Model
{
    /// <summary>The storage conversions a generated mapper knows; each has one typed getter.</summary>
    internal enum ColumnKind
    {
        String,
        Int64,
        Int32,
        Double,
        Boolean,
        DateTimeOffset,
        Enum,
    }
}
