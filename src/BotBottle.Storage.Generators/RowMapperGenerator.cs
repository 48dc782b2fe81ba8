using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using BotBottle.Storage.Generators.Helpers;
using BotBottle.Storage.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BotBottle.Storage.Generators
{
    /// <summary>
    /// Emits a row mapper for every record marked <c>[SqliteRow]</c>, and a text converter for
    /// every enum such a record stores.
    /// </summary>
    [Generator]
    public sealed partial class RowMapperGenerator : IIncrementalGenerator
    {
        internal const string SqliteRowAttributeName = "BotBottle.Storage.Mapping.SqliteRowAttribute";
        internal const string SqliteColumnAttributeName = "BotBottle.Storage.Mapping.SqliteColumnAttribute";

        /// <summary>Step names the incremental tests look for.</summary>
        internal static class TrackingNames
        {
            public const string RowParse = nameof(RowParse);
            public const string RowSpecs = nameof(RowSpecs);
            public const string EnumSpecs = nameof(EnumSpecs);
        }

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<RowParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    SqliteRowAttributeName,
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (ctx, ct) => Parser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.RowParse);

            IncrementalValuesProvider<RowSpec> specs = parsed
                .Where(static r => r.Spec is not null)
                .Select(static (r, _) => r.Spec!)
                .WithTrackingName(TrackingNames.RowSpecs);

            context.RegisterSourceOutput(specs, static (spc, spec) =>
                spc.AddSource(spec.MapperName + "." + spec.FullyQualifiedName.Replace("global::", string.Empty) + ".g.cs", Emitter.EmitMapper(spec)));

            IncrementalValueProvider<EquatableArray<EnumSpec>> enums = specs
                .SelectMany(static (spec, _) => spec.Enums)
                .Collect()
                .Select(static (all, _) => Distinct(all))
                .WithTrackingName(TrackingNames.EnumSpecs);

            context.RegisterSourceOutput(enums, static (spc, all) =>
            {
                foreach (EnumSpec spec in all)
                {
                    spc.AddSource(spec.HelperName + "." + spec.FullyQualifiedName.Replace("global::", string.Empty) + ".g.cs", Emitter.EmitEnumText(spec));
                }
            });

            context.RegisterSourceOutput(parsed.SelectMany(static (r, _) => r.Diagnostics), static (spc, diagnostic) =>
                spc.ReportDiagnostic(diagnostic.ToDiagnostic()));
        }

        private static EquatableArray<EnumSpec> Distinct(ImmutableArray<EnumSpec> all)
        {
            var seen = new HashSet<string>();
            var distinct = new List<EnumSpec>();
            foreach (EnumSpec spec in all.OrderBy(static e => e.FullyQualifiedName, System.StringComparer.Ordinal))
            {
                if (seen.Add(spec.FullyQualifiedName))
                {
                    distinct.Add(spec);
                }
            }

            return distinct.ToEquatableArray();
        }
    }
}
