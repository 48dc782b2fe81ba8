using BotBottle.Storage.Generators.Helpers;

namespace BotBottle.Storage.Generators.Model
{
    /// <summary>An enum stored as text: each member's name and its snake_case stored value.</summary>
    internal sealed record EnumSpec(
        string FullyQualifiedName,
        string Namespace,
        string HelperName,
        bool IsPublic,
        EquatableArray<EnumMemberSpec> Members);

    internal sealed record EnumMemberSpec(string MemberName, string StoredText);
}
