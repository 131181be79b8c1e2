using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lakekeeper.Fga.Model;

// The JSON form of an OpenFGA authorization model (what `fga model write` and the DSL transformer
// produce, and what the HTTP API exchanges). Property names follow OpenFGA exactly: snake_case at the
// model level, camelCase inside usersets (computedUserset, tupleToUserset).

/// <summary>An authorization model as written: <c>{schema_version, type_definitions, conditions}</c>.</summary>
public sealed class ModelDocument
{
    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; set; }

    [JsonPropertyName("schema_version")]
    public string? SchemaVersion { get; set; }

    [JsonPropertyName("type_definitions")]
    public List<TypeDefinitionDocument>? TypeDefinitions { get; set; }

    [JsonPropertyName("conditions")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, JsonElement>? Conditions { get; set; }
}

public sealed class TypeDefinitionDocument
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("relations")]
    public Dictionary<string, UsersetDocument>? Relations { get; set; }

    [JsonPropertyName("metadata")]
    public TypeMetadataDocument? Metadata { get; set; }
}

public sealed class TypeMetadataDocument
{
    [JsonPropertyName("relations")]
    public Dictionary<string, RelationMetadataDocument>? Relations { get; set; }

    [JsonPropertyName("module")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Module { get; set; }

    [JsonPropertyName("source_info")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? SourceInfo { get; set; }
}

public sealed class RelationMetadataDocument
{
    [JsonPropertyName("directly_related_user_types")]
    public List<RelationReferenceDocument>? DirectlyRelatedUserTypes { get; set; }

    [JsonPropertyName("module")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Module { get; set; }

    [JsonPropertyName("source_info")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? SourceInfo { get; set; }
}

/// <summary>One allowed user type of a directly assignable relation: <c>user</c>, <c>user:*</c> or <c>role#assignee</c>.</summary>
public sealed class RelationReferenceDocument
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("relation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Relation { get; set; }

    [JsonPropertyName("wildcard")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Wildcard { get; set; }

    [JsonPropertyName("condition")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Condition { get; set; }
}

/// <summary>A relation's rewrite: exactly one of the members is set.</summary>
public sealed class UsersetDocument
{
    [JsonPropertyName("this")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? This { get; set; }

    [JsonPropertyName("computedUserset")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ObjectRelationDocument? ComputedUserset { get; set; }

    [JsonPropertyName("tupleToUserset")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TupleToUsersetDocument? TupleToUserset { get; set; }

    [JsonPropertyName("union")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UsersetsDocument? Union { get; set; }

    [JsonPropertyName("intersection")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UsersetsDocument? Intersection { get; set; }

    [JsonPropertyName("difference")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DifferenceDocument? Difference { get; set; }
}

public sealed class ObjectRelationDocument
{
    [JsonPropertyName("object")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Object { get; set; }

    [JsonPropertyName("relation")]
    public string? Relation { get; set; }
}

public sealed class TupleToUsersetDocument
{
    [JsonPropertyName("tupleset")]
    public ObjectRelationDocument? Tupleset { get; set; }

    [JsonPropertyName("computedUserset")]
    public ObjectRelationDocument? ComputedUserset { get; set; }
}

public sealed class UsersetsDocument
{
    [JsonPropertyName("child")]
    public List<UsersetDocument>? Child { get; set; }
}

public sealed class DifferenceDocument
{
    [JsonPropertyName("base")]
    public UsersetDocument? Base { get; set; }

    [JsonPropertyName("subtract")]
    public UsersetDocument? Subtract { get; set; }
}

/// <summary>Reading and writing the JSON form.</summary>
public static class ModelJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 256,
    };

    /// <summary>Parses the JSON form; malformed JSON is an <see cref="FgaException"/> (<c>validation_error</c>).</summary>
    public static ModelDocument Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelDocument>(json, Options)
                ?? throw new FgaException(FgaErrorCodes.ValidationError, "the authorization model is empty");
        }
        catch (JsonException ex)
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"the authorization model is not valid JSON: {ex.Message}");
        }
    }

    public static string Serialize(ModelDocument document) => JsonSerializer.Serialize(document, Options);
}
