using System.Linq;
using BotBottle.Storage.Generators.Helpers;
using Microsoft.CodeAnalysis;

namespace BotBottle.Storage.Generators.Model
{
    /// <summary>A diagnostic to report later, equatable so it can travel through the pipeline.</summary>
    internal sealed record DiagnosticInfo(string DescriptorId, LocationInfo? Location, EquatableArray<string> MessageArgs)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs)
            => new(descriptor.Id, LocationInfo.From(location), messageArgs.ToEquatableArray());

        public Diagnostic ToDiagnostic()
            => Diagnostic.Create(
                DiagnosticDescriptors.ById(DescriptorId),
                Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
                MessageArgs.Cast<object>().ToArray());
    }
}
