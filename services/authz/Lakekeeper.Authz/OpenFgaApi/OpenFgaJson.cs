using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lakekeeper.Fga;
using Lakekeeper.Fga.Evaluation;

namespace Lakekeeper.Authz.OpenFgaApi;

/// <summary>Reading OpenFGA request bodies (snake_case JSON) and writing its responses.</summary>
internal static class OpenFgaJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static async Task<JsonElement> ReadBodyAsync(Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RequestException("the request body must be a JSON object");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new RequestException($"the request body is not valid JSON: {ex.Message}");
        }
    }

    public static string? String(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new RequestException($"'{name}' must be a string");
    }

    public static string RequiredString(JsonElement element, string name, string? path = null) =>
        String(element, name) is { Length: > 0 } value ? value : throw new RequestException($"'{path ?? name}' is required");

    public static JsonElement? Object(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw new RequestException($"'{name}' must be an object");
    }

    public static IEnumerable<JsonElement> Array(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : throw new RequestException($"'{name}' must be an array");
    }

    /// <summary>A tuple key <c>{user, relation, object}</c>.</summary>
    public static FgaTuple TupleKey(JsonElement key)
    {
        if (key.ValueKind != JsonValueKind.Object)
        {
            throw new RequestException("a tuple key must be an object");
        }

        if (Object(key, "condition") is not null)
        {
            throw new FgaException(FgaErrorCodes.ValidationError, "conditions are not supported by this server");
        }

        return TupleValidation.Parse(String(key, "user"), String(key, "relation"), String(key, "object"));
    }

    /// <summary><c>contextual_tuples: {tuple_keys: [...]}</c>.</summary>
    public static IReadOnlyList<FgaTuple> Contextual(JsonElement body) =>
        Object(body, "contextual_tuples") is { } contextual ? [.. Array(contextual, "tuple_keys").Select(TupleKey)] : [];

    /// <summary><c>consistency: HIGHER_CONSISTENCY</c> makes the question read the latest tuples first.</summary>
    public static bool HigherConsistency(JsonElement body) => String(body, "consistency") == "HIGHER_CONSISTENCY";

    public static int PageSize(string? value, int fallback = 50)
    {
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= 100
            ? size
            : throw new FgaException(FgaErrorCodes.PageSizeInvalid, "page_size must be between 1 and 100");
    }

    public static int PageSize(JsonElement body, int fallback = 50)
    {
        if (!body.TryGetProperty("page_size", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var size) && size is >= 1 and <= 100
            ? size
            : throw new FgaException(FgaErrorCodes.PageSizeInvalid, "page_size must be between 1 and 100");
    }

    public static object UserResponse(FgaUser user) =>
        user.IsWildcard ? new { wildcard = new { type = user.Type } }
        : user.IsUserset ? new { userset = new { type = user.Type, id = user.Id, relation = user.Relation } }
        : new { @object = new { type = user.Type, id = user.Id } };

    public static UserFilter Filter(JsonElement filter) =>
        new(RequiredString(filter, "type", "user_filters[].type"), String(filter, "relation") is { Length: > 0 } relation ? relation : null);
}
