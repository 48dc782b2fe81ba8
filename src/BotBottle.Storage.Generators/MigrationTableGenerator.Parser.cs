using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BotBottle.Storage.Generators.Helpers;
using BotBottle.Storage.Generators.Model;
using Microsoft.CodeAnalysis;

namespace BotBottle.Storage.Generators
{
    public sealed partial class MigrationTableGenerator
    {
        internal static class Parser
        {
            /// <summary>The first line that marks a migration older binaries can live with.</summary>
            public const string AdditiveMarker = "-- bot-bottle: additive";

            private static readonly Regex FileName = new(@"^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$", RegexOptions.CultureInvariant);

            public static MigrationFileSpec ParseFile(string path, MigrationDialect dialect, string rawText)
            {
                string fileName = Path.GetFileName(path);
                Match match = FileName.Match(fileName);
                if (!match.Success)
                {
                    var error = DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMigrationFileName, Location.None, fileName);
                    return new MigrationFileSpec(path, dialect, 0, string.Empty, MigrationDirection.Up, string.Empty, string.Empty, false, error);
                }

                string text = Normalize(rawText);
                var direction = match.Groups[3].Value == "up" ? MigrationDirection.Up : MigrationDirection.Down;
                DiagnosticInfo? empty = direction == MigrationDirection.Up && text.Trim().Length == 0
                    ? DiagnosticInfo.Create(DiagnosticDescriptors.EmptyMigration, Location.None, fileName)
                    : null;

                return new MigrationFileSpec(
                    Path: path,
                    Dialect: dialect,
                    Version: int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                    Name: match.Groups[2].Value,
                    Direction: direction,
                    Text: text,
                    Checksum: Checksum(text),
                    Additive: FirstLine(text).TrimEnd() == AdditiveMarker,
                    Error: empty);
            }

            public static MigrationTableSpec Pair(ImmutableArray<MigrationFileSpec> files)
            {
                var diagnostics = new List<DiagnosticInfo>();
                foreach (MigrationFileSpec file in files)
                {
                    if (file.Error is not null)
                    {
                        diagnostics.Add(file.Error);
                    }
                }

                List<MigrationSpec> sqlite = PairDialect(files.Where(static f => f.Dialect == MigrationDialect.Sqlite), diagnostics);
                List<MigrationSpec> postgres = PairDialect(files.Where(static f => f.Dialect == MigrationDialect.Postgres), diagnostics);

                // One schema history on two engines: a PostgreSQL database and a SQLite one at the same
                // version must mean the same thing, so each side needs the other's every migration.
                if (postgres.Count > 0)
                {
                    var sqliteNames = sqlite.ToDictionary(static m => m.Version, Describe);
                    var postgresNames = postgres.ToDictionary(static m => m.Version, Describe);
                    foreach (int version in sqliteNames.Keys.Union(postgresNames.Keys).OrderBy(static v => v))
                    {
                        sqliteNames.TryGetValue(version, out string? sqliteName);
                        postgresNames.TryGetValue(version, out string? postgresName);
                        if (sqliteName != postgresName)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(
                                DiagnosticDescriptors.DialectMismatch,
                                Location.None,
                                version.ToString("D4", System.Globalization.CultureInfo.InvariantCulture),
                                sqliteName ?? "(none)",
                                postgresName ?? "(none)"));
                        }
                    }
                }

                return new MigrationTableSpec(sqlite.ToEquatableArray(), postgres.ToEquatableArray(), diagnostics.ToEquatableArray());
            }

            // The additive marker is part of what a version means: older binaries rely on it.
            private static string Describe(MigrationSpec migration) => migration.Additive ? migration.Name + " (additive)" : migration.Name;

            private static List<MigrationSpec> PairDialect(IEnumerable<MigrationFileSpec> files, List<DiagnosticInfo> diagnostics)
            {
                var migrations = new List<MigrationSpec>();

                // A file whose name did not parse has no version to pair by; other errors still pair.
                IEnumerable<IGrouping<int, MigrationFileSpec>> byVersion = files
                    .Where(static f => f.Name.Length > 0)
                    .GroupBy(static f => f.Version)
                    .OrderBy(static g => g.Key);

                foreach (IGrouping<int, MigrationFileSpec> group in byVersion)
                {
                    string[] names = group.Select(static f => f.Name).Distinct().OrderBy(static n => n, StringComparer.Ordinal).ToArray();
                    if (names.Length > 1)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.DuplicateMigrationVersion, Location.None, group.Key.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), names[0], names[1]));
                        continue;
                    }

                    MigrationFileSpec? up = group.FirstOrDefault(static f => f.Direction == MigrationDirection.Up);
                    MigrationFileSpec? down = group.FirstOrDefault(static f => f.Direction == MigrationDirection.Down);
                    if (up is null || down is null)
                    {
                        MigrationFileSpec present = up ?? down!;
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.MissingMigrationPair,
                            Location.None,
                            present.Version.ToString("D4", System.Globalization.CultureInfo.InvariantCulture),
                            present.Name,
                            up is null ? "down" : "up",
                            up is null ? "up" : "down"));
                        continue;
                    }

                    migrations.Add(new MigrationSpec(up.Version, up.Name, up.Text, down.Text, up.Checksum, up.Additive));
                }

                return migrations;
            }

            /// <summary>Strips a BOM and turns CRLF and lone CR into LF, so checksums survive any checkout.</summary>
            public static string Normalize(string text)
            {
                if (text.Length > 0 && text[0] == '\uFEFF')
                {
                    text = text.Substring(1);
                }

                return text.Replace("\r\n", "\n").Replace('\r', '\n');
            }

            /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of normalised text.</summary>
            public static string Checksum(string normalizedText)
            {
                using var sha = SHA256.Create();
                byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(normalizedText));
                var builder = new StringBuilder(hash.Length * 2);
                foreach (byte b in hash)
                {
                    builder.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }

                return builder.ToString();
            }

            private static string FirstLine(string text)
            {
                int newline = text.IndexOf('\n');
                return newline < 0 ? text : text.Substring(0, newline);
            }
        }
    }
}
