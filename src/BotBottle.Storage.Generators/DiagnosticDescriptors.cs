using System;
using Microsoft.CodeAnalysis;

namespace BotBottle.Storage.Generators
{
    /// <summary>
    /// The generator's own diagnostics. Each id has a page in Diagnostics/ explaining the
    /// cause and the fix; every one is an error because a mapper that compiles must be right.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "BotBottle.Storage.Generators";
        private const string HelpRoot = "https://github.com/bot-bottle/bot-bottle-sidecar/blob/main/src/BotBottle.Storage.Generators/Diagnostics/";

        public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
            "BBSG0001",
            "Unsupported row member type",
            "Member '{0}' of row '{1}' has type '{2}', which the row mapper cannot read; use string, long, int, double, bool, DateTimeOffset or an enum (each optionally nullable)");

        public static readonly DiagnosticDescriptor NotPositionalRecord = Create(
            "BBSG0002",
            "Row type must be a positional record class",
            "'{0}' is marked [SqliteRow] but is not a record class with a primary constructor; declare it as 'record {0}(...)'");

        public static readonly DiagnosticDescriptor DuplicateColumn = Create(
            "BBSG0003",
            "Two members read the same column",
            "Members '{0}' and '{1}' of row '{2}' both read column '{3}'; give one of them a different [SqliteColumn] name");

        public static readonly DiagnosticDescriptor GenericRow = Create(
            "BBSG0004",
            "Row type must not be generic",
            "'{0}' is generic; a row mapper needs one concrete type per table shape");

        public static readonly DiagnosticDescriptor InaccessibleRow = Create(
            "BBSG0005",
            "Row type must be public or internal",
            "'{0}' is private or protected (or nested in such a type); the generated mapper lives beside it in the namespace and cannot reach it");

        public static readonly DiagnosticDescriptor InvalidColumnName = Create(
            "BBSG0006",
            "Invalid column name",
            "Column name '{0}' on member '{1}' is not a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*)");

        public static readonly DiagnosticDescriptor InvalidMigrationFileName = Create(
            "BBSG0101",
            "Migration file name is not NNNN_name.up.sql or NNNN_name.down.sql",
            "Migration file '{0}' must be named NNNN_name.up.sql or NNNN_name.down.sql (four digits, then lower-case letters, digits and underscores)");

        public static readonly DiagnosticDescriptor MissingMigrationPair = Create(
            "BBSG0102",
            "Migration has no matching up or down file",
            "Migration {0:D4} '{1}' has a {2} file but no {3} file; every migration needs both so it can be reverted");

        public static readonly DiagnosticDescriptor DuplicateMigrationVersion = Create(
            "BBSG0103",
            "Two migrations share a version",
            "Migration version {0} is used by both '{1}' and '{2}'; give the newer one the next free number");

        public static readonly DiagnosticDescriptor EmptyMigration = Create(
            "BBSG0104",
            "Migration up file is empty",
            "Migration '{0}' has no SQL; an empty up migration records a version that changes nothing");

        public static readonly DiagnosticDescriptor DialectMismatch = Create(
            "BBSG0105",
            "SQLite and PostgreSQL migrations differ",
            "Migration version {0} is '{1}' in migrations/ but '{2}' in migrations/postgres/; both engines need every migration, under the same version and name");

        private static readonly DiagnosticDescriptor[] All =
        {
            UnsupportedMemberType, NotPositionalRecord, DuplicateColumn, GenericRow, InaccessibleRow, InvalidColumnName,
            InvalidMigrationFileName, MissingMigrationPair, DuplicateMigrationVersion, EmptyMigration, DialectMismatch,
        };

        public static DiagnosticDescriptor ById(string id)
        {
            foreach (DiagnosticDescriptor descriptor in All)
            {
                if (descriptor.Id == id)
                {
                    return descriptor;
                }
            }

            throw new ArgumentException("Unknown diagnostic id " + id, nameof(id));
        }

        private static DiagnosticDescriptor Create(string id, string title, string message)
            => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");
    }
}
