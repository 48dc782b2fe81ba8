using BotBottle.Storage.Generators.Helpers;

namespace BotBottle.Storage.Generators.Model
{
    /// <summary>Everything the emitter needs to write one row mapper.</summary>
    internal sealed record RowSpec(
        string Namespace,
        string RecordName,
        string FullyQualifiedName,
        string MapperName,
        bool IsPublic,
        EquatableArray<ColumnSpec> Columns,
        EquatableArray<EnumSpec> Enums);

    /// <summary>A parsed row declaration: a spec when it is valid, diagnostics either way.</summary>
    internal sealed record RowParseResult(RowSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
}
