using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace BotBottle.Storage.Generators.Tests;

/// <summary>An unrelated edit leaves the pipeline cached; a real edit regenerates.</summary>
public sealed class IncrementalTests
{
    private const string Row = """
        using BotBottle.Storage.Mapping;
        namespace Sample { public enum K { A, B } [SqliteRow] public sealed record R(string Id, K Kind); }
        """;

    private static readonly IncrementalStepRunReason[] Reused = [IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged];

    [Fact]
    public void Unrelated_edit_leaves_row_specs_and_outputs_cached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Row);
        GeneratorDriver driver = GeneratorHarness.Driver(new RowMapperGenerator()).RunGenerators(compilation);

        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other { public sealed class Unrelated { } }", path: "Unrelated.cs"));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.All(result.TrackedSteps[RowMapperGenerator.TrackingNames.RowSpecs].SelectMany(static s => s.Outputs), static o => Assert.Contains(o.Reason, Reused));
        Assert.All(result.TrackedSteps[RowMapperGenerator.TrackingNames.EnumSpecs].SelectMany(static s => s.Outputs), static o => Assert.Contains(o.Reason, Reused));
        Assert.All(result.TrackedOutputSteps.SelectMany(static s => s.Value).SelectMany(static s => s.Outputs), static o => Assert.Contains(o.Reason, Reused));
    }

    [Fact]
    public void Edit_to_the_row_regenerates_its_mapper()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Row);
        GeneratorDriver driver = GeneratorHarness.Driver(new RowMapperGenerator()).RunGenerators(compilation);

        SyntaxTree old = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Row.Replace("K Kind)", "K Kind, long Count)", System.StringComparison.Ordinal), (CSharpParseOptions)old.Options, old.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[RowMapperGenerator.TrackingNames.RowSpecs].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("reader.GetInt64(ordinals.Count)", GeneratorHarness.GeneratedText(result, "RRowMapper"), System.StringComparison.Ordinal);
    }

    [Fact]
    public void Unrelated_edit_leaves_the_migration_table_cached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation("namespace A { }");
        GeneratorDriver driver = GeneratorHarness.Driver(
                new MigrationTableGenerator(),
                new InMemoryAdditionalText("/r/migrations/0001_a.up.sql", "CREATE TABLE a (x);"),
                new InMemoryAdditionalText("/r/migrations/0001_a.down.sql", "DROP TABLE a;"))
            .RunGenerators(compilation);

        GeneratorRunResult result = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace B { }"))).GetRunResult().Results.Single();

        Assert.All(result.TrackedSteps[MigrationTableGenerator.TrackingNames.MigrationTable].SelectMany(static s => s.Outputs), static o => Assert.Contains(o.Reason, Reused));
        Assert.All(result.TrackedOutputSteps.SelectMany(static s => s.Value).SelectMany(static s => s.Outputs), static o => Assert.Contains(o.Reason, Reused));
    }

    [Fact]
    public void Edited_migration_file_regenerates_the_table()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation("namespace A { }");
        var down = new InMemoryAdditionalText("/r/migrations/0001_a.down.sql", "DROP TABLE a;");
        var up = new InMemoryAdditionalText("/r/migrations/0001_a.up.sql", "CREATE TABLE a (x);");
        GeneratorDriver driver = GeneratorHarness.Driver(new MigrationTableGenerator(), up, down).RunGenerators(compilation);

        driver = driver.ReplaceAdditionalText(up, new InMemoryAdditionalText("/r/migrations/0001_a.up.sql", "CREATE TABLE a (x, y);"));
        GeneratorRunResult result = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        Assert.Contains(result.TrackedSteps[MigrationTableGenerator.TrackingNames.MigrationTable].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("CREATE TABLE a (x, y);", GeneratorHarness.GeneratedText(result, "EmbeddedMigrations"), System.StringComparison.Ordinal);
    }
}
