using System.Text.Json.Serialization;

namespace BotBottle.Storage.Queue;

/// <summary>The operator's decision on a proposal; stored and serialised as lower-case text.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResponseStatus>))]
public enum ResponseStatus
{
    /// <summary>The proposed file is accepted as it is.</summary>
    [JsonStringEnumMemberName("approved")]
    Approved,

    /// <summary>Accepted with changes: the response's <c>final_file</c> is what applies.</summary>
    [JsonStringEnumMemberName("modified")]
    Modified,

    /// <summary>Refused; the notes say why.</summary>
    [JsonStringEnumMemberName("rejected")]
    Rejected,
}
