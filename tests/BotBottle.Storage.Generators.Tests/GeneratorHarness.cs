using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using BotBottle.Storage.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Microsoft.Data.Sqlite;

namespace BotBottle.Storage.Generators.Tests;

/// <summary>Drives the generators with <see cref="CSharpGeneratorDriver"/> over in-memory sources.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);

    public static CSharpCompilation Compilation(params string[] sources)
        => CSharpCompilation.Create(
            "GeneratorTestAssembly",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest), path: $"Source{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(IIncrementalGenerator generator, params AdditionalText[] additionalTexts)
        => CSharpGeneratorDriver.Create(
            [generator.AsSourceGenerator()],
            additionalTexts,
            CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest),
            optionsProvider: null,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs <paramref name="generator"/> once and returns its result and the compiled output's diagnostics.</summary>
    public static (GeneratorRunResult Result, ImmutableArray<Diagnostic> OutputDiagnostics) Run(IIncrementalGenerator generator, string source, params AdditionalText[] additionalTexts)
    {
        CSharpCompilation compilation = Compilation(source);
        GeneratorDriver driver = Driver(generator, additionalTexts).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output.GetDiagnostics());
    }

    public static string GeneratedText(GeneratorRunResult result, string hintNamePrefix)
        => result.GeneratedSources.Single(s => s.HintName.StartsWith(hintNamePrefix, StringComparison.Ordinal)).SourceText.ToString();

    /// <summary>
    /// Compares with Baselines/<paramref name="name"/>.txt. Set BOTBOTTLE_UPDATE_BASELINES=1 to rewrite
    /// the baseline from the actual output after reviewing the change.
    /// </summary>
    public static void AssertMatchesBaseline(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string sourceBaseline = Path.Combine(Path.GetDirectoryName(callerPath)!, "Baselines", name + ".txt");
        if (Environment.GetEnvironmentVariable("BOTBOTTLE_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(sourceBaseline, actual);
            return;
        }

        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Baselines", name + ".txt"));
        Xunit.Assert.Equal(expected.Replace("\r\n", "\n", StringComparison.Ordinal), actual);
    }

    private static MetadataReference[] LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        foreach (string path in trusted.Split(Path.PathSeparator))
        {
            paths.TryAdd(Path.GetFileName(path), path);
        }

        paths[Path.GetFileName(typeof(SqliteRowAttribute).Assembly.Location)] = typeof(SqliteRowAttribute).Assembly.Location;
        paths[Path.GetFileName(typeof(SqliteDataReader).Assembly.Location)] = typeof(SqliteDataReader).Assembly.Location;
        return paths.Values.Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    }
}

/// <summary>An AdditionalText held in memory, as the IDE or MSBuild would pass a migration file.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
}
