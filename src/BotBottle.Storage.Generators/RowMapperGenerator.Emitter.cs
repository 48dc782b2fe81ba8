using System;
using System.Linq;
using BotBottle.Storage.Generators.Helpers;
using BotBottle.Storage.Generators.Model;

namespace BotBottle.Storage.Generators
{
    public sealed partial class RowMapperGenerator
    {
        internal static class Emitter
        {
            // Any ADO.NET reader (SqliteDataReader, NpgsqlDataReader): its typed getters are virtual, so no value is boxed.
            private const string Reader = "global::System.Data.Common.DbDataReader";
            private const string Values = "global::BotBottle.Storage.Mapping.SqliteValues";

            public static string EmitMapper(RowSpec spec)
            {
                var w = new SourceWriter();
                WriteHeader(w);
                bool hasNamespace = spec.Namespace.Length > 0;
                if (hasNamespace)
                {
                    w.OpenBlock("namespace " + spec.Namespace);
                }

                string row = spec.FullyQualifiedName;
                string columnList = string.Join(", ", spec.Columns.Select(static c => c.ColumnName));

                w.Line("/// <summary>");
                w.Line($"/// Reads <see cref=\"{row}\"/> rows: column ordinals are resolved once per reader,");
                w.Line("/// then every row is read with typed getters. Generated from the record's [SqliteRow] declaration.");
                w.Line("/// </summary>");
                w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"BotBottle.Storage.Generators\", \"1.0.0\")]");
                w.OpenBlock($"{(spec.IsPublic ? "public" : "internal")} sealed class {spec.MapperName} : global::BotBottle.Storage.Mapping.IRowMapper<{row}>");

                w.Line("/// <summary>The single instance; the mapper holds no state.</summary>");
                w.Line($"public static readonly {spec.MapperName} Instance = new {spec.MapperName}();");
                w.Line();
                w.Line("/// <summary>The columns this mapper reads, in declaration order, for SELECT lists.</summary>");
                w.Line($"public const string SelectColumns = {Naming.QuotedLiteral(columnList)};");
                w.Line();
                w.Line($"private {spec.MapperName}()");
                w.Line("{");
                w.Line("}");
                w.Line();

                w.Line("/// <inheritdoc />");
                w.Line($"public string Columns => SelectColumns;");
                w.Line();

                w.Line("/// <inheritdoc />");
                w.OpenBlock($"public global::System.Collections.Generic.List<{row}> ReadAll({Reader} reader)");
                w.Line("var ordinals = new Ordinals(reader);");
                w.Line($"var rows = new global::System.Collections.Generic.List<{row}>();");
                w.OpenBlock("while (reader.Read())");
                w.Line("rows.Add(ReadRow(reader, in ordinals));");
                w.CloseBlock();
                w.Line("return rows;");
                w.CloseBlock();
                w.Line();

                // One row nobody can read (planted by hand, or by an older writer) must not hide the others.
                w.Line("/// <inheritdoc />");
                w.OpenBlock($"public global::System.Collections.Generic.List<{row}> ReadAll({Reader} reader, global::System.Collections.Generic.ICollection<global::BotBottle.Storage.Mapping.UnreadableRow> unreadable)");
                w.Line("var ordinals = new Ordinals(reader);");
                w.Line($"var rows = new global::System.Collections.Generic.List<{row}>();");
                w.OpenBlock("while (reader.Read())");
                w.OpenBlock("try");
                w.Line("rows.Add(ReadRow(reader, in ordinals));");
                w.CloseBlock();
                w.OpenBlock("catch (global::System.Exception exception) when (global::BotBottle.Storage.Mapping.UnreadableRow.IsUnreadable(exception))");
                w.Line("unreadable.Add(global::BotBottle.Storage.Mapping.UnreadableRow.From(reader, exception));");
                w.CloseBlock();
                w.CloseBlock();
                w.Line("return rows;");
                w.CloseBlock();
                w.Line();

                w.Line("/// <inheritdoc />");
                w.OpenBlock($"public {row}? ReadFirstOrDefault({Reader} reader)");
                w.OpenBlock("if (!reader.Read())");
                w.Line("return null;");
                w.CloseBlock();
                w.Line("var ordinals = new Ordinals(reader);");
                w.Line("return ReadRow(reader, in ordinals);");
                w.CloseBlock();
                w.Line();

                w.OpenBlock($"private static {row} ReadRow({Reader} reader, in Ordinals ordinals)");
                w.Line($"return new {row}(");
                w.Indent();
                for (int i = 0; i < spec.Columns.Count; i++)
                {
                    ColumnSpec column = spec.Columns[i];
                    string separator = i == spec.Columns.Count - 1 ? ");" : ",";
                    w.Line($"{column.ParameterName}: {ReadExpression(column)}{separator}");
                }

                w.Unindent();
                w.CloseBlock();
                w.Line();

                w.OpenBlock("private readonly struct Ordinals");
                foreach (ColumnSpec column in spec.Columns)
                {
                    w.Line($"public readonly int {column.ParameterName};");
                }

                w.Line();
                w.OpenBlock($"public Ordinals({Reader} reader)");
                foreach (ColumnSpec column in spec.Columns)
                {
                    w.Line($"{column.ParameterName} = reader.GetOrdinal({Naming.QuotedLiteral(column.ColumnName)});");
                }

                w.CloseBlock();
                w.CloseBlock();

                w.CloseBlock();
                if (hasNamespace)
                {
                    w.CloseBlock();
                }

                return w.ToString();
            }

            public static string EmitEnumText(EnumSpec spec)
            {
                var w = new SourceWriter();
                WriteHeader(w);
                bool hasNamespace = spec.Namespace.Length > 0;
                if (hasNamespace)
                {
                    w.OpenBlock("namespace " + spec.Namespace);
                }

                string type = spec.FullyQualifiedName;
                string expected = string.Join(", ", spec.Members.Select(static m => m.StoredText));

                w.Line("/// <summary>");
                w.Line($"/// Converts <see cref=\"{type}\"/> to and from the text stored in SQLite ({expected}).");
                w.Line("/// </summary>");
                w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"BotBottle.Storage.Generators\", \"1.0.0\")]");
                w.OpenBlock($"{(spec.IsPublic ? "public" : "internal")} static class {spec.HelperName}");

                w.Line("/// <summary>Every stored value, in declaration order.</summary>");
                w.Line($"public static global::System.Collections.Generic.IReadOnlyList<string> StoredValues {{ get; }} = new string[] {{ {string.Join(", ", spec.Members.Select(static m => Naming.QuotedLiteral(m.StoredText)))} }};");
                w.Line();

                w.Line("/// <summary>The stored text of <paramref name=\"value\"/>.</summary>");
                w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The value is not a declared member.</exception>");
                w.OpenBlock($"public static string ToText({type} value)");
                w.OpenBlock("switch (value)");
                foreach (EnumMemberSpec member in spec.Members)
                {
                    w.Line($"case {type}.{member.MemberName}: return {Naming.QuotedLiteral(member.StoredText)};");
                }

                w.Line($"default: throw new global::System.ArgumentOutOfRangeException(nameof(value), value, {Naming.QuotedLiteral("Not a declared member; expected one of: " + expected + ".")});");
                w.CloseBlock();
                w.CloseBlock();
                w.Line();

                w.Line("/// <summary>Parses stored text; false when it names no member.</summary>");
                w.OpenBlock($"public static bool TryParse(string? text, out {type} value)");
                w.OpenBlock("switch (text)");
                foreach (EnumMemberSpec member in spec.Members)
                {
                    w.Line($"case {Naming.QuotedLiteral(member.StoredText)}: value = {type}.{member.MemberName}; return true;");
                }

                w.Line("default: value = default; return false;");
                w.CloseBlock();
                w.CloseBlock();
                w.Line();

                w.Line("/// <summary>Parses stored text read from the database.</summary>");
                w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The text names no member: the row was not written by bot-bottle.</exception>");
                w.OpenBlock($"public static {type} Parse(string text)");
                w.OpenBlock("if (TryParse(text, out var value))");
                w.Line("return value;");
                w.CloseBlock();
                w.Line($"throw new global::System.IO.InvalidDataException(\"'\" + text + \"' is not a stored {spec.HelperName.Substring(0, spec.HelperName.Length - "SqliteText".Length)} value; expected one of: {expected}.\");");
                w.CloseBlock();

                w.CloseBlock();
                if (hasNamespace)
                {
                    w.CloseBlock();
                }

                return w.ToString();
            }

            private static void WriteHeader(SourceWriter w)
            {
                w.Line("// <auto-generated/>");
                w.Line("#nullable enable");
                w.Line();
            }

            private static string ReadExpression(ColumnSpec column)
            {
                string ordinal = "ordinals." + column.ParameterName;
                string read = column.Kind switch
                {
                    ColumnKind.String => $"reader.GetString({ordinal})",
                    ColumnKind.Int64 => $"reader.GetInt64({ordinal})",
                    ColumnKind.Int32 => $"reader.GetInt32({ordinal})",
                    ColumnKind.Double => $"reader.GetDouble({ordinal})",
                    ColumnKind.Boolean => $"{Values}.ReadBoolean(reader.GetInt64({ordinal}))",
                    ColumnKind.DateTimeOffset => $"{Values}.ReadTimestamp(reader.GetString({ordinal}))",
                    ColumnKind.Enum => $"{column.EnumHelperName}.Parse(reader.GetString({ordinal}))",
                    _ => throw new InvalidOperationException("Unknown column kind " + column.Kind),
                };

                if (!column.IsNullable)
                {
                    return read;
                }

                string nullValue = column.Kind switch
                {
                    ColumnKind.String => "null",
                    ColumnKind.Int64 => "(long?)null",
                    ColumnKind.Int32 => "(int?)null",
                    ColumnKind.Double => "(double?)null",
                    ColumnKind.Boolean => "(bool?)null",
                    ColumnKind.DateTimeOffset => "(global::System.DateTimeOffset?)null",
                    _ => $"({column.EnumTypeName}?)null",
                };

                return $"reader.IsDBNull({ordinal}) ? {nullValue} : {read}";
            }
        }
    }
}
