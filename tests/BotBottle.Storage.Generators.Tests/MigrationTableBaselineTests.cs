using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace BotBottle.Storage.Generators.Tests;

public sealed class MigrationTableBaselineTests
{
    private const string StubMigrationType = """
        namespace BotBottle.Storage.Migrations
        {
            public sealed class Migration
            {
                public Migration(int version, string name, string checksum, bool additive, string upSql, string downSql) { }
                internal Migration(int version, string name, string checksum, bool additive, bool postgres) { }
            }
        }
        """;

    [Fact]
    public void Table_embeds_both_files_with_checksums_and_matches_baseline()
    {
        (GeneratorRunResult result, var diagnostics) = GeneratorHarness.Run(
            new MigrationTableGenerator(),
            "",
            new InMemoryAdditionalText("/repo/migrations/0001_first.up.sql", "CREATE TABLE a (x TEXT);\n"),
            new InMemoryAdditionalText("/repo/migrations/0001_first.down.sql", "DROP TABLE a;\n"),
            new InMemoryAdditionalText("/repo/migrations/0002_second.up.sql", "-- bot-bottle: additive\nCREATE TABLE \"b\" (y TEXT);\n"),
            new InMemoryAdditionalText("/repo/migrations/0002_second.down.sql", "DROP TABLE \"b\";\n"),
            new InMemoryAdditionalText("/repo/migrations/postgres/0001_first.up.sql", "CREATE TABLE a (x text);\n"),
            new InMemoryAdditionalText("/repo/migrations/postgres/0001_first.down.sql", "DROP TABLE a;\n"),
            new InMemoryAdditionalText("/repo/migrations/postgres/0002_second.up.sql", "-- bot-bottle: additive\nCREATE TABLE b (y text);\n"),
            new InMemoryAdditionalText("/repo/migrations/postgres/0002_second.down.sql", "DROP TABLE b;\n"),
            new InMemoryAdditionalText("/repo/migrations/elsewhere/0003_ignored.up.sql", "CREATE TABLE c (z text);\n"));

        Assert.Empty(result.Diagnostics);
        GeneratorHarness.AssertMatchesBaseline("EmbeddedMigrations", GeneratorHarness.GeneratedText(result, "EmbeddedMigrations"));
    }

    [Fact]
    public void Checksum_ignores_bom_and_crlf()
    {
        string lf = GeneratedTable("CREATE TABLE a (x TEXT);\nCREATE INDEX i ON a (x);\n");
        string crlfWithBom = GeneratedTable("\uFEFFCREATE TABLE a (x TEXT);\r\nCREATE INDEX i ON a (x);\r\n");

        Assert.Equal(lf, crlfWithBom);
    }

    [Fact]
    public void Checksum_changes_when_the_sql_changes()
        => Assert.NotEqual(GeneratedTable("CREATE TABLE a (x TEXT);\n"), GeneratedTable("CREATE TABLE a (x INTEGER);\n"));

    [Fact]
    public void Generated_table_compiles_against_the_migration_type()
    {
        var compilation = GeneratorHarness.Compilation(StubMigrationType);
        GeneratorHarness.Driver(
                new MigrationTableGenerator(),
                new InMemoryAdditionalText("/r/migrations/0001_a.up.sql", "CREATE TABLE a (x TEXT);"),
                new InMemoryAdditionalText("/r/migrations/0001_a.down.sql", "DROP TABLE a;"))
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);

        Assert.Empty(output.GetDiagnostics().Where(static d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Files_outside_a_migrations_directory_are_ignored()
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(
            new MigrationTableGenerator(),
            "",
            new InMemoryAdditionalText("/repo/other/0001_first.up.sql", "CREATE TABLE a (x TEXT);"));

        Assert.Empty(result.GeneratedSources);
        Assert.Empty(result.Diagnostics);
    }

    private static string GeneratedTable(string upSql)
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(
            new MigrationTableGenerator(),
            "",
            new InMemoryAdditionalText("/repo/migrations/0001_first.up.sql", upSql),
            new InMemoryAdditionalText("/repo/migrations/0001_first.down.sql", "DROP TABLE a;"));
        string table = GeneratorHarness.GeneratedText(result, "EmbeddedMigrations");
        int start = table.IndexOf("checksum: \"", StringComparison.Ordinal) + "checksum: \"".Length;
        return table.Substring(start, 64);
    }
}
