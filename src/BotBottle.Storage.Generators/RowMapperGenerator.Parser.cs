using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using BotBottle.Storage.Generators.Helpers;
using BotBottle.Storage.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BotBottle.Storage.Generators
{
    public sealed partial class RowMapperGenerator
    {
        /// <summary>Turns a <c>[SqliteRow]</c> symbol into a Roslyn-free <see cref="RowSpec"/>.</summary>
        internal static class Parser
        {
            private static readonly Regex SqlIdentifier = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

            private static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat;

            public static RowParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
            {
                var type = (INamedTypeSymbol)context.TargetSymbol;
                Location? typeLocation = ((TypeDeclarationSyntax)context.TargetNode).Identifier.GetLocation();
                var diagnostics = new List<DiagnosticInfo>();

                if (type.IsGenericType)
                {
                    return Fail(DiagnosticInfo.Create(DiagnosticDescriptors.GenericRow, typeLocation, type.Name));
                }

                IMethodSymbol? constructor = type.IsRecord && type.TypeKind == TypeKind.Class ? FindPrimaryConstructor(type) : null;
                if (constructor is null)
                {
                    return Fail(DiagnosticInfo.Create(DiagnosticDescriptors.NotPositionalRecord, typeLocation, type.Name));
                }

                if (!IsReachableFromNamespace(type))
                {
                    return Fail(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleRow, typeLocation, type.Name));
                }

                var columns = new List<ColumnSpec>();
                var enums = new List<EnumSpec>();
                var byColumn = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);
                foreach (IParameterSymbol parameter in constructor.Parameters)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Location? parameterLocation = parameter.Locations.FirstOrDefault();

                    string columnName = ColumnNameOf(parameter) ?? Naming.ToSnakeCase(parameter.Name);
                    if (!SqlIdentifier.IsMatch(columnName))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidColumnName, parameterLocation, columnName, parameter.Name));
                        continue;
                    }

                    if (byColumn.TryGetValue(columnName, out string? other))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateColumn, parameterLocation, other, parameter.Name, type.Name, columnName));
                        continue;
                    }

                    byColumn[columnName] = parameter.Name;

                    if (!TryClassify(parameter.Type, out ColumnKind kind, out bool isNullable, out INamedTypeSymbol? enumType))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.UnsupportedMemberType,
                            parameterLocation,
                            parameter.Name,
                            type.Name,
                            parameter.Type.ToDisplayString()));
                        continue;
                    }

                    string? enumName = null;
                    string? enumHelper = null;
                    if (enumType is not null)
                    {
                        EnumSpec enumSpec = DescribeEnum(enumType);
                        enums.Add(enumSpec);
                        enumName = enumSpec.FullyQualifiedName;
                        enumHelper = "global::" + (enumSpec.Namespace.Length > 0 ? enumSpec.Namespace + "." : string.Empty) + enumSpec.HelperName;
                    }

                    columns.Add(new ColumnSpec(parameter.Name, columnName, kind, isNullable, enumName, enumHelper));
                }

                if (diagnostics.Count > 0)
                {
                    return new RowParseResult(null, diagnostics.ToEquatableArray());
                }

                var spec = new RowSpec(
                    Namespace: type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString(),
                    RecordName: type.Name,
                    FullyQualifiedName: type.ToDisplayString(FullyQualified),
                    MapperName: MapperNameOf(type),
                    IsPublic: IsPublicFromOutside(type),
                    Columns: columns.ToEquatableArray(),
                    Enums: enums.ToEquatableArray());
                return new RowParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
            }

            private static RowParseResult Fail(DiagnosticInfo diagnostic)
                => new(null, new[] { diagnostic }.ToEquatableArray());

            private static IMethodSymbol? FindPrimaryConstructor(INamedTypeSymbol type)
            {
                // A record's primary constructor is declared by the record declaration itself.
                foreach (IMethodSymbol constructor in type.InstanceConstructors)
                {
                    foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
                    {
                        if (reference.GetSyntax() is RecordDeclarationSyntax { ParameterList: not null })
                        {
                            return constructor;
                        }
                    }
                }

                return null;
            }

            private static string MapperNameOf(INamedTypeSymbol type)
            {
                // Nested rows get their containers' names so two Row types in different classes don't collide.
                var parts = new List<string>();
                for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
                {
                    parts.Insert(0, current.Name);
                }

                return string.Concat(parts) + "RowMapper";
            }

            private static bool IsReachableFromNamespace(INamedTypeSymbol type)
            {
                for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
                {
                    if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                    {
                        return false;
                    }
                }

                return true;
            }

            private static bool IsPublicFromOutside(INamedTypeSymbol type)
            {
                for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
                {
                    if (current.DeclaredAccessibility != Accessibility.Public)
                    {
                        return false;
                    }
                }

                return true;
            }

            private static string? ColumnNameOf(IParameterSymbol parameter)
            {
                foreach (AttributeData attribute in parameter.GetAttributes())
                {
                    if (attribute.AttributeClass?.ToDisplayString() == SqliteColumnAttributeName
                        && attribute.ConstructorArguments.Length == 1
                        && attribute.ConstructorArguments[0].Value is string name)
                    {
                        return name;
                    }
                }

                return null;
            }

            private static bool TryClassify(ITypeSymbol type, out ColumnKind kind, out bool isNullable, out INamedTypeSymbol? enumType)
            {
                enumType = null;
                isNullable = false;
                ITypeSymbol valueType = type;

                if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
                {
                    isNullable = true;
                    valueType = nullable.TypeArguments[0];
                }
                else if (type.IsReferenceType)
                {
                    // Outside a nullable context a reference is treated as nullable: reading NULL must not throw.
                    isNullable = type.NullableAnnotation != NullableAnnotation.NotAnnotated;
                }

                switch (valueType.SpecialType)
                {
                    case SpecialType.System_String:
                        kind = ColumnKind.String;
                        return true;
                    case SpecialType.System_Int64:
                        kind = ColumnKind.Int64;
                        return true;
                    case SpecialType.System_Int32:
                        kind = ColumnKind.Int32;
                        return true;
                    case SpecialType.System_Double:
                        kind = ColumnKind.Double;
                        return true;
                    case SpecialType.System_Boolean:
                        kind = ColumnKind.Boolean;
                        return true;
                }

                if (valueType is INamedTypeSymbol { Name: "DateTimeOffset", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } })
                {
                    kind = ColumnKind.DateTimeOffset;
                    return true;
                }

                if (valueType is INamedTypeSymbol { TypeKind: TypeKind.Enum } candidate && !IsFlags(candidate) && IsReachableFromNamespace(candidate))
                {
                    kind = ColumnKind.Enum;
                    enumType = candidate;
                    return true;
                }

                kind = default;
                return false;
            }

            private static bool IsFlags(INamedTypeSymbol enumType)
                => enumType.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");

            private static EnumSpec DescribeEnum(INamedTypeSymbol enumType)
            {
                var members = new List<EnumMemberSpec>();
                foreach (ISymbol member in enumType.GetMembers())
                {
                    if (member is IFieldSymbol { HasConstantValue: true } field)
                    {
                        members.Add(new EnumMemberSpec(field.Name, Naming.ToSnakeCase(field.Name)));
                    }
                }

                var nameParts = new List<string>();
                for (INamedTypeSymbol? current = enumType; current is not null; current = current.ContainingType)
                {
                    nameParts.Insert(0, current.Name);
                }

                return new EnumSpec(
                    FullyQualifiedName: enumType.ToDisplayString(FullyQualified),
                    Namespace: enumType.ContainingNamespace.IsGlobalNamespace ? string.Empty : enumType.ContainingNamespace.ToDisplayString(),
                    HelperName: string.Concat(nameParts) + "SqliteText",
                    IsPublic: IsPublicFromOutside(enumType),
                    Members: members.ToEquatableArray());
            }
        }
    }
}
