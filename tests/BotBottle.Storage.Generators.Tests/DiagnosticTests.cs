using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Xunit;

namespace BotBottle.Storage.Generators.Tests;

/// <summary>Each diagnostic id: a case that should flag and a near miss that should not.</summary>
public sealed class DiagnosticTests
{
    private static Diagnostic[] RowDiagnostics(string body)
    {
        string source = "using System; using BotBottle.Storage.Mapping;\nnamespace Sample {\n" + body + "\n}";
        (GeneratorRunResult result, _) = GeneratorHarness.Run(new RowMapperGenerator(), source);
        return [.. result.Diagnostics];
    }

    private static Diagnostic[] MigrationDiagnostics(params (string Path, string Text)[] files)
    {
        (GeneratorRunResult result, _) = GeneratorHarness.Run(
            new MigrationTableGenerator(),
            "",
            files.Select(static f => (AdditionalText)new InMemoryAdditionalText(f.Path, f.Text)).ToArray());
        return [.. result.Diagnostics];
    }

    private static void AssertSingle(Diagnostic[] diagnostics, string id, string messageFragment)
    {
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(messageFragment, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void BBSG0001_should_flag_an_unsupported_member_type_at_the_member()
    {
        Diagnostic[] diagnostics = RowDiagnostics("[SqliteRow] public sealed record Money(string Id, decimal Amount);");

        AssertSingle(diagnostics, "BBSG0001", "'Amount'");
        Assert.Equal("Source0.cs", diagnostics[0].Location.GetLineSpan().Path);
        Assert.Equal(2, diagnostics[0].Location.GetLineSpan().StartLinePosition.Line);
        Assert.Contains("decimal", diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void BBSG0001_should_flag_a_flags_enum()
        => AssertSingle(RowDiagnostics("[Flags] public enum Perm { None = 0, Read = 1 }\n[SqliteRow] public sealed record R(Perm P);"), "BBSG0001", "'P'");

    [Fact]
    public void BBSG0001_should_not_flag_supported_types()
        => Assert.Empty(RowDiagnostics("public enum K { A }\n[SqliteRow] public sealed record R(string A, long B, int? C, double D, bool E, DateTimeOffset F, K G, K? H);"));

    [Fact]
    public void BBSG0002_should_flag_a_class()
        => AssertSingle(RowDiagnostics("[SqliteRow] public sealed class NotARecord { public string Id { get; set; } = \"\"; }"), "BBSG0002", "NotARecord");

    [Fact]
    public void BBSG0002_should_flag_a_record_without_a_primary_constructor()
        => AssertSingle(RowDiagnostics("[SqliteRow] public sealed record NoParameters { public string Id { get; init; } = \"\"; }"), "BBSG0002", "NoParameters");

    [Fact]
    public void BBSG0002_should_flag_a_record_struct()
        => AssertSingle(RowDiagnostics("[SqliteRow] public readonly record struct Point(long X, long Y);"), "BBSG0002", "Point");

    [Fact]
    public void BBSG0002_should_not_flag_a_positional_record()
        => Assert.Empty(RowDiagnostics("[SqliteRow] public sealed record Ok(string Id);"));

    [Fact]
    public void BBSG0003_should_flag_two_members_reading_one_column()
        => AssertSingle(RowDiagnostics("[SqliteRow] public sealed record R(string Name, [SqliteColumn(\"name\")] string Other);"), "BBSG0003", "'name'");

    [Fact]
    public void BBSG0003_should_not_flag_distinct_columns()
        => Assert.Empty(RowDiagnostics("[SqliteRow] public sealed record R(string Name, [SqliteColumn(\"other_name\")] string Other);"));

    [Fact]
    public void BBSG0004_should_flag_a_generic_record()
        => AssertSingle(RowDiagnostics("[SqliteRow] public sealed record Box<T>(string Id);"), "BBSG0004", "Box");

    [Fact]
    public void BBSG0004_should_not_flag_a_closed_record()
        => Assert.Empty(RowDiagnostics("[SqliteRow] public sealed record Box(string Id);"));

    [Fact]
    public void BBSG0005_should_flag_a_private_nested_record()
        => AssertSingle(RowDiagnostics("public static class Outer { [SqliteRow] private sealed record Hidden(string Id); }"), "BBSG0005", "Hidden");

    [Fact]
    public void BBSG0005_should_not_flag_an_internal_nested_record()
        => Assert.Empty(RowDiagnostics("public static class Outer { [SqliteRow] internal sealed record Visible(string Id); }"));

    [Fact]
    public void BBSG0006_should_flag_a_column_name_that_is_not_an_identifier()
        => AssertSingle(RowDiagnostics("[SqliteRow] public sealed record R([SqliteColumn(\"drop table\")] string Id);"), "BBSG0006", "'drop table'");

    [Fact]
    public void BBSG0006_should_not_flag_an_identifier()
        => Assert.Empty(RowDiagnostics("[SqliteRow] public sealed record R([SqliteColumn(\"_id2\")] string Id);"));

    [Fact]
    public void BBSG0101_should_flag_a_badly_named_migration()
        => AssertSingle(MigrationDiagnostics(("/r/migrations/1_first.up.sql", "CREATE TABLE a (x);")), "BBSG0101", "1_first.up.sql");

    [Fact]
    public void BBSG0101_should_not_flag_a_well_named_pair()
        => Assert.Empty(MigrationDiagnostics(("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;")));

    [Fact]
    public void BBSG0102_should_flag_an_up_file_without_down()
        => AssertSingle(MigrationDiagnostics(("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);")), "BBSG0102", "no down file");

    [Fact]
    public void BBSG0102_should_flag_a_down_file_without_up()
        => AssertSingle(MigrationDiagnostics(("/r/migrations/0001_first.down.sql", "DROP TABLE a;")), "BBSG0102", "no up file");

    [Fact]
    public void BBSG0103_should_flag_two_migrations_with_one_version()
        => AssertSingle(
            MigrationDiagnostics(
                ("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;"),
                ("/r/migrations/0001_other.up.sql", "CREATE TABLE b (x);"), ("/r/migrations/0001_other.down.sql", "DROP TABLE b;")),
            "BBSG0103",
            "0001");

    [Fact]
    public void BBSG0103_should_not_flag_consecutive_versions()
        => Assert.Empty(MigrationDiagnostics(
            ("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;"),
            ("/r/migrations/0002_other.up.sql", "CREATE TABLE b (x);"), ("/r/migrations/0002_other.down.sql", "DROP TABLE b;")));

    [Fact]
    public void BBSG0104_should_flag_an_empty_up_file()
        => AssertSingle(MigrationDiagnostics(("/r/migrations/0001_first.up.sql", " \n"), ("/r/migrations/0001_first.down.sql", "")), "BBSG0104", "0001_first.up.sql");

    [Fact]
    public void BBSG0104_should_not_flag_an_empty_down_file()
        => Assert.Empty(MigrationDiagnostics(("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "")));

    [Fact]
    public void BBSG0105_should_flag_a_postgres_migration_named_differently()
        => AssertSingle(
            MigrationDiagnostics(
                ("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;"),
                ("/r/migrations/postgres/0001_firsts.up.sql", "CREATE TABLE a (x text);"), ("/r/migrations/postgres/0001_firsts.down.sql", "DROP TABLE a;")),
            "BBSG0105",
            "'first' in migrations/ but 'firsts'");

    [Fact]
    public void BBSG0105_should_flag_a_version_missing_from_postgres()
        => AssertSingle(
            MigrationDiagnostics(
                ("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;"),
                ("/r/migrations/0002_second.up.sql", "CREATE TABLE b (x);"), ("/r/migrations/0002_second.down.sql", "DROP TABLE b;"),
                ("/r/migrations/postgres/0001_first.up.sql", "CREATE TABLE a (x text);"), ("/r/migrations/postgres/0001_first.down.sql", "DROP TABLE a;")),
            "BBSG0105",
            "'second' in migrations/ but '(none)'");

    [Fact]
    public void BBSG0105_should_flag_an_additive_marker_on_one_side_only()
        => AssertSingle(
            MigrationDiagnostics(
                ("/r/migrations/0001_first.up.sql", "-- bot-bottle: additive\nCREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;"),
                ("/r/migrations/postgres/0001_first.up.sql", "CREATE TABLE a (x text);"), ("/r/migrations/postgres/0001_first.down.sql", "DROP TABLE a;")),
            "BBSG0105",
            "'first (additive)' in migrations/ but 'first'");

    [Fact]
    public void BBSG0105_should_not_flag_twins_or_a_sqlite_only_set()
    {
        Assert.Empty(MigrationDiagnostics(
            ("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;"),
            ("/r/migrations/postgres/0001_first.up.sql", "CREATE TABLE a (x text);"), ("/r/migrations/postgres/0001_first.down.sql", "DROP TABLE a;")));
        Assert.Empty(MigrationDiagnostics(("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;")));
    }

    [Fact]
    public void BBSG0102_should_flag_a_postgres_up_file_without_down()
        => AssertSingle(
            MigrationDiagnostics(
                ("/r/migrations/0001_first.up.sql", "CREATE TABLE a (x);"), ("/r/migrations/0001_first.down.sql", "DROP TABLE a;"),
                ("/r/migrations/postgres/0001_first.up.sql", "CREATE TABLE a (x text);")),
            "BBSG0102",
            "no down file");

    [Fact]
    public void Every_diagnostic_id_has_a_documentation_page_and_a_help_link()
    {
        DiagnosticDescriptor[] descriptors = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(static f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(static f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToArray();

        Assert.Equal(11, descriptors.Length);
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            string page = Path.Combine(RepoRoot(), "src", "BotBottle.Storage.Generators", "Diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no page at {page}");
            Assert.StartsWith("# " + descriptor.Id, File.ReadAllText(page), StringComparison.Ordinal);
            Assert.EndsWith("/Diagnostics/" + descriptor.Id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        }
    }

    private static string RepoRoot([CallerFilePath] string path = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
