using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using GcmActors.Contracts;

namespace GcmActors.Host.Api;

/// <summary>Body of POST .../milestones/{milestone}. Evidence fields left out are not touched.</summary>
public sealed record MilestoneRequest(
    MilestoneStatus? Status,
    string? Note = null,
    string? Reason = null,
    CoordinationBody? CoordinationBody = null,
    ImmutableArray<Stakeholder>? Stakeholders = null,
    ImmutableArray<int>? Objectives = null,
    ImmutableArray<string>? Challenges = null);

/// <summary>Body of PUT .../participation.</summary>
public sealed record ParticipationRequest(Participation? Participation, string? Note = null);

/// <summary>
/// Body of PUT .../regions/{region}. Members may be ISO3 codes or member objects as a GET returns them,
/// so a client can GET, edit and PUT back; computed fields are ignored.
/// </summary>
public sealed record RegionRequest(
    string? Name,
    ImmutableArray<string>? CoOrganizers,
    Conference? Conference,
    ImmutableSortedDictionary<Milestone, DateOnly>? Deadlines,
    ImmutableArray<MemberRef>? Members,
    NudgePolicy? NudgePolicy = null,
    DateOnly? Conclusion = null,
    LastReport? LastReport = null);

[JsonConverter(typeof(MemberRefConverter))]
public sealed record MemberRef(string Country);

internal sealed class MemberRefConverter : JsonConverter<MemberRef>
{
    public override MemberRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new MemberRef(reader.GetString()!);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a member is an ISO3 code or an object with a \"country\" field");
        }

        using var member = JsonDocument.ParseValue(ref reader);
        var countries = member.RootElement.EnumerateObject().Where(p => p.NameEquals("country")).ToList();
        return countries is [{ Value.ValueKind: JsonValueKind.String } country]
            ? new MemberRef(country.Value.GetString()!)
            : throw new JsonException("a member object needs one \"country\" field");
    }

    public override void Write(Utf8JsonWriter writer, MemberRef value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Country);
}
