using System.Collections.Immutable;
using System.IO;
using BotBottle.Storage.Generators.Model;
using Microsoft.CodeAnalysis;

namespace BotBottle.Storage.Generators
{
    /// <summary>
    /// Embeds <c>migrations/NNNN_name.{up,down}.sql</c> and their PostgreSQL twins in
    /// <c>migrations/postgres/</c> (passed as AdditionalFiles) as static tables with checksums, so the
    /// binary carries its schema and never looks up resources at run time.
    /// </summary>
    [Generator]
    public sealed partial class MigrationTableGenerator : IIncrementalGenerator
    {
        internal static class TrackingNames
        {
            public const string MigrationFiles = nameof(MigrationFiles);
            public const string MigrationTable = nameof(MigrationTable);
        }

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<MigrationFileSpec> files = context.AdditionalTextsProvider
                .Where(static text => DialectOf(text.Path) is not null)
                .Select(static (text, ct) => Parser.ParseFile(text.Path, DialectOf(text.Path)!.Value, text.GetText(ct)?.ToString() ?? string.Empty))
                .WithTrackingName(TrackingNames.MigrationFiles);

            IncrementalValueProvider<MigrationTableSpec> table = files
                .Collect()
                .Select(static (all, _) => Parser.Pair(all))
                .WithTrackingName(TrackingNames.MigrationTable);

            context.RegisterSourceOutput(table, static (spc, spec) =>
            {
                if (spec.Migrations.Count > 0)
                {
                    spc.AddSource("EmbeddedMigrations.g.cs", Emitter.Emit(spec));
                }
            });

            context.RegisterSourceOutput(table.SelectMany(static (spec, _) => spec.Diagnostics), static (spc, diagnostic) =>
                spc.ReportDiagnostic(diagnostic.ToDiagnostic()));
        }

        private static MigrationDialect? DialectOf(string path)
        {
            if (!path.EndsWith(".sql", System.StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            string directory = Path.GetDirectoryName(path);
            return Path.GetFileName(directory) switch
            {
                "migrations" => MigrationDialect.Sqlite,
                "postgres" when Path.GetFileName(Path.GetDirectoryName(directory)) == "migrations" => MigrationDialect.Postgres,
                _ => null,
            };
        }
    }
}
