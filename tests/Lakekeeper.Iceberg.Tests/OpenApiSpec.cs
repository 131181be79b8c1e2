using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Iceberg.Tests;

/// <summary>Loads the pinned Iceberg REST OpenAPI file copied next to the test assembly.</summary>
internal sealed class OpenApiSpec
{
    private static readonly Lazy<OpenApiSpec> Shared = new(() => new OpenApiSpec());

    private OpenApiSpec()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "contracts", "iceberg-rest-catalog-open-api.yaml");
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        Root = (YamlMappingNode)stream.Documents[0].RootNode;
        Schemas = (YamlMappingNode)((YamlMappingNode)Root["components"])["schemas"];
    }

    public static OpenApiSpec Instance => Shared.Value;

    public YamlMappingNode Root { get; }

    public YamlMappingNode Schemas { get; }

    public YamlMappingNode Schema(string name) => (YamlMappingNode)Schemas[name];

    /// <summary>Every <c>example</c> value under a component schema, with the owning schema name.</summary>
    public IEnumerable<(string Schema, string Path, YamlNode Value)> SchemaExamples()
    {
        foreach (var (key, node) in Schemas.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            foreach (var (path, value) in FindExamples(node, name))
            {
                yield return (name, path, value);
            }
        }
    }

    /// <summary>Every value of <c>components.examples.*</c>.</summary>
    public IEnumerable<(string Name, YamlNode Value)> NamedExamples()
    {
        var examples = (YamlMappingNode)((YamlMappingNode)Root["components"])["examples"];
        foreach (var (key, node) in examples.Children)
        {
            yield return (((YamlScalarNode)key).Value!, ((YamlMappingNode)node)["value"]);
        }
    }

    private static IEnumerable<(string Path, YamlNode Value)> FindExamples(YamlNode node, string path)
    {
        if (node is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                var key = ((YamlScalarNode)k).Value!;
                if (key == "example")
                {
                    yield return (path + ".example", v);
                }
                else if (key == "examples" && v is YamlMappingNode examples)
                {
                    foreach (var (ek, ev) in examples.Children)
                    {
                        if (ev is YamlMappingNode em && em.Children.ContainsKey("value"))
                        {
                            yield return (path + ".examples." + ((YamlScalarNode)ek).Value, em["value"]);
                        }
                    }
                }
                else
                {
                    foreach (var found in FindExamples(v, path + "." + key))
                    {
                        yield return found;
                    }
                }
            }
        }
        else if (node is YamlSequenceNode seq)
        {
            var i = 0;
            foreach (var item in seq)
            {
                foreach (var found in FindExamples(item, path + "[" + i++ + "]"))
                {
                    yield return found;
                }
            }
        }
    }

    /// <summary>Converts a YAML value (block or flow/JSON style) to JSON.</summary>
    public static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                {
                    var obj = new JsonObject();
                    foreach (var (k, v) in map.Children)
                    {
                        obj[((YamlScalarNode)k).Value!] = ToJson(v);
                    }

                    return obj;
                }

            case YamlSequenceNode seq:
                {
                    var arr = new JsonArray();
                    foreach (var item in seq)
                    {
                        arr.Add(ToJson(item));
                    }

                    return arr;
                }

            case YamlScalarNode scalar:
                {
                    var text = scalar.Value ?? string.Empty;
                    if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
                    {
                        return JsonValue.Create(text);
                    }

                    if (text is "null" or "~" or "")
                    {
                        return null;
                    }

                    if (text is "true" or "false")
                    {
                        return JsonValue.Create(text == "true");
                    }

                    if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                    {
                        return JsonValue.Create(l);
                    }

                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    {
                        return JsonNode.Parse(text);
                    }

                    return JsonValue.Create(text);
                }

            default:
                return null;
        }
    }

    /// <summary>
    /// Generates an instance of a component schema from its definition: required properties only,
    /// or all properties when <paramref name="full"/>. Discriminated bases pick their first mapping.
    /// </summary>
    public JsonNode? Generate(string schemaName, bool full) => GenerateNamed(schemaName, full, 0, viaAllOf: false, propertyName: null);

    private JsonNode? GenerateNamed(string name, bool full, int depth, bool viaAllOf, string? propertyName)
    {
        switch (name)
        {
            case "PrimitiveType":
            case "Type":
                return JsonValue.Create("long");
            case "Transform":
                return JsonValue.Create("identity");
            case "VariantType":
                return JsonValue.Create("variant");
            default:
                break;
        }

        var schema = Schema(name);
        if (!viaAllOf && schema.Children.TryGetValue("discriminator", out var disc) && disc is YamlMappingNode dm
            && dm.Children.TryGetValue("mapping", out var mapping) && !schema.Children.ContainsKey("oneOf") && !schema.Children.ContainsKey("anyOf"))
        {
            var first = ((YamlMappingNode)mapping).Children.First().Value;
            return GenerateNamed(RefName(((YamlScalarNode)first).Value!), full, depth + 1, viaAllOf: false, propertyName);
        }

        return Generate(schema, full, depth + 1, propertyName);
    }

    private static string RefName(string reference) => reference[(reference.LastIndexOf('/') + 1)..];

    private JsonNode? Generate(YamlNode node, bool full, int depth, string? propertyName)
    {
        if (depth > 40 || node is not YamlMappingNode map)
        {
            return null;
        }

        if (map.Children.TryGetValue("$ref", out var reference))
        {
            return GenerateNamed(RefName(((YamlScalarNode)reference).Value!), full, depth, viaAllOf: false, propertyName);
        }

        if (map.Children.TryGetValue("const", out var constant))
        {
            return ToJson(constant);
        }

        if (map.Children.TryGetValue("enum", out var enumeration))
        {
            return ToJson(((YamlSequenceNode)enumeration).Children[0]);
        }

        JsonObject? merged = null;
        if (map.Children.TryGetValue("allOf", out var allOf))
        {
            merged = [];
            foreach (var part in (YamlSequenceNode)allOf)
            {
                var generated = part is YamlMappingNode pm && pm.Children.TryGetValue("$ref", out var pr)
                    ? GenerateNamed(RefName(((YamlScalarNode)pr).Value!), full, depth + 1, viaAllOf: true, propertyName)
                    : Generate(part, full, depth + 1, propertyName);
                if (generated is JsonObject obj)
                {
                    foreach (var (k, v) in obj.ToList())
                    {
                        obj.Remove(k);
                        merged[k] = v;
                    }
                }
            }
        }

        foreach (var choice in new[] { "oneOf", "anyOf" })
        {
            if (merged is null && map.Children.TryGetValue(choice, out var options))
            {
                return Generate(((YamlSequenceNode)options).Children[0], full, depth + 1, propertyName);
            }
        }

        var type = map.Children.TryGetValue("type", out var t) ? ((YamlScalarNode)t).Value : null;
        if (map.Children.ContainsKey("properties") || map.Children.ContainsKey("additionalProperties") || type == "object" || merged is not null)
        {
            var result = merged ?? [];
            var required = map.Children.TryGetValue("required", out var req)
                ? ((YamlSequenceNode)req).Children.Select(c => ((YamlScalarNode)c).Value!).ToHashSet()
                : [];
            if (map.Children.TryGetValue("properties", out var props))
            {
                foreach (var (k, v) in ((YamlMappingNode)props).Children)
                {
                    var key = ((YamlScalarNode)k).Value!;
                    if (full || required.Contains(key) || (merged is not null && result.ContainsKey(key)))
                    {
                        result[key] = Generate(v, full, depth + 1, key);
                    }
                }
            }

            if (map.Children.TryGetValue("additionalProperties", out var additional) && additional is YamlMappingNode am && result.Count == 0)
            {
                result["key"] = Generate(am, full, depth + 1, "key");
            }

            return result;
        }

        return type switch
        {
            "array" => new JsonArray(Generate(map["items"], full, depth + 1, propertyName)),
            "integer" => JsonValue.Create(propertyName == "format-version" ? 1 : 1),
            "number" => JsonValue.Create(1.5),
            "boolean" => JsonValue.Create(true),
            "string" => propertyName switch
            {
                "uuid" or "table-uuid" or "view-uuid" => JsonValue.Create("d20125c8-7284-442c-9aea-15fee620737c"),
                "encrypted-key-metadata" => JsonValue.Create("AAECAw=="),
                _ => JsonValue.Create("string"),
            },
            _ => null,
        };
    }
}
