using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lakekeeper.Testing;

namespace Lakekeeper.Management.Tests.Contracts;

/// <summary>
/// The committed management OpenAPI document (<c>contracts/management-open-api.json</c>) and a
/// checker of answers against it: the status must be one the operation documents, and the body
/// must match the documented schema (types, required fields, enums, <c>oneOf</c>, arrays, nested
/// references). Deliberately small: it covers what the generated document uses.
/// </summary>
internal static class ManagementContract
{
    public const string FileName = "management-open-api.json";

    public static string FilePath => Path.Combine(ServiceProcess.RepositoryRoot, "contracts", FileName);

    private static readonly Lazy<JsonObject> Committed = new(() => (JsonObject)JsonNode.Parse(File.ReadAllText(FilePath))!);

    public static JsonObject Document => Committed.Value;

    /// <summary>Asserts that <paramref name="status"/> and <paramref name="body"/> are what the document says <paramref name="method"/> <paramref name="path"/> answers.</summary>
    public static void Check(string method, string path, int status, string body)
    {
        var (template, operation) = Find(method, path);
        var responses = operation["responses"]!.AsObject();
        var response = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            ?? (status is >= 400 and < 500 ? responses["4XX"] : null);
        Assert.True(response is not null, $"{method} {template} answered {status}, which the contract does not list ({string.Join(", ", responses.Select(r => r.Key))}): {body}");
        var schema = response!["content"]?["application/json"]?["schema"];
        if (schema is null)
        {
            Assert.True(body.Length == 0, $"{method} {template} {status} documents no body but sent: {body}");
            return;
        }

        var problems = new List<string>();
        Validate(JsonNode.Parse(body), schema, "$", problems);
        Assert.True(problems.Count == 0, $"{method} {template} {status} does not match the contract:\n  {string.Join("\n  ", problems)}\nbody: {body}");
    }

    /// <summary>The operation whose path template matches <paramref name="path"/> (query ignored).</summary>
    public static (string Template, JsonObject Operation) Find(string method, string path)
    {
        var plain = path.Split('?')[0];
        // Literal paths before templated ones: /project/actions is not /project/{project_id}.
        foreach (var (template, item) in Document["paths"]!.AsObject().OrderBy(p => p.Key.Count(c => c == '{')))
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$";
            if (Regex.IsMatch(plain, pattern) && item![method.ToLowerInvariant()] is JsonObject operation)
            {
                return (template, operation);
            }
        }

        throw new Xunit.Sdk.XunitException($"The contract has no operation {method} {plain}");
    }

    public static void Validate(JsonNode? value, JsonNode schema, string where, List<string> problems)
    {
        schema = Resolve(schema);
        if (schema["oneOf"] is JsonArray oneOf)
        {
            var matches = oneOf.Count(option =>
            {
                var inner = new List<string>();
                Validate(value, option!, where, inner);
                return inner.Count == 0;
            });
            if (matches == 0)
            {
                problems.Add($"{where}: matches none of the oneOf options");
            }

            return;
        }

        var types = schema["type"] switch
        {
            JsonArray array => array.Select(t => t!.GetValue<string>()).ToList(),
            JsonValue single => [single.GetValue<string>()],
            _ => null,
        };
        var actual = value is null ? "null" : value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.Object => "object",
            System.Text.Json.JsonValueKind.Array => "array",
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => value.GetValue<double>() % 1 == 0 ? "integer" : "number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
            _ => "null",
        };
        if (types is not null && !types.Contains(actual) && !(actual == "integer" && types.Contains("number")))
        {
            problems.Add($"{where}: is {actual}, expected {string.Join(" or ", types)}");
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            problems.Add($"{where}: {value?.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }

        if (schema["format"]?.GetValue<string>() == "uuid" && actual == "string" && !Guid.TryParse(value!.GetValue<string>(), out _))
        {
            problems.Add($"{where}: '{value}' is not a UUID");
        }

        switch (value)
        {
            case JsonObject obj:
                foreach (var name in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
                {
                    if (!obj.ContainsKey(name))
                    {
                        problems.Add($"{where}: required field '{name}' is missing");
                    }
                }

                var properties = schema["properties"] as JsonObject;
                foreach (var (name, child) in obj)
                {
                    if (properties?[name] is { } propertySchema)
                    {
                        Validate(child, propertySchema, $"{where}.{name}", problems);
                    }
                    else if (properties is not null && schema["additionalProperties"] is null && schema["oneOf"] is null)
                    {
                        problems.Add($"{where}: field '{name}' is not in the contract");
                    }
                }

                break;
            case JsonArray array when schema["items"] is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Validate(array[i], items, $"{where}[{i}]", problems);
                }

                break;
        }
    }

    private static JsonNode Resolve(JsonNode schema)
    {
        while (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var name = reference["#/components/schemas/".Length..];
            schema = Document["components"]!["schemas"]![name] ?? throw new Xunit.Sdk.XunitException($"unresolved {reference}");
        }

        return schema;
    }
}
