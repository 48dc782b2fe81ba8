using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace BotBottle.Storage.Generators.Tests;

/// <summary>
/// The pipeline model must hold no Roslyn symbol, node, location or compilation: any of them
/// would make every model unequal across runs and defeat incremental caching.
/// </summary>
public sealed class ModelShapeTests
{
    // Plain value types from Microsoft.CodeAnalysis.Text that compare by value and pin nothing.
    private static readonly HashSet<Type> AllowedRoslynTypes = [typeof(TextSpan), typeof(LinePositionSpan), typeof(LinePosition)];

    public static TheoryData<string> ModelTypes()
    {
        var data = new TheoryData<string>();
        foreach (Type type in typeof(RowMapperGenerator).Assembly.GetTypes().Where(static t => t.Namespace == "BotBottle.Storage.Generators.Model"))
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Model_type_holds_no_roslyn_type(string typeName)
    {
        Type type = typeof(RowMapperGenerator).Assembly.GetType(typeName)!;

        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            foreach (Type held in Flatten(field.FieldType))
            {
                bool isRoslyn = held.Assembly.GetName().Name!.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal);
                Assert.False(isRoslyn && !AllowedRoslynTypes.Contains(held), $"{type.Name}.{field.Name} holds {held.FullName}");
            }
        }
    }

    [Fact]
    public void Model_types_are_found()
        => Assert.True(ModelTypes().Count >= 8);

    private static IEnumerable<Type> Flatten(Type type)
    {
        yield return type;
        if (type.IsArray)
        {
            foreach (Type inner in Flatten(type.GetElementType()!))
            {
                yield return inner;
            }
        }

        foreach (Type argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            foreach (Type inner in Flatten(argument))
            {
                yield return inner;
            }
        }
    }
}
