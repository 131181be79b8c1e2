using System.Text.Json;
using Lakekeeper.Iceberg;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// Parsing of the small catalog request bodies (namespaces, renames, metrics). Anything malformed is
/// a 400 with a message that says what is wrong, never an exception.
/// </summary>
internal static class RequestJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static Result<(IReadOnlyList<string> Namespace, Dictionary<string, string> Properties)> CreateNamespace(ReadOnlyMemory<byte> body) =>
        Parse(body, root =>
        {
            IReadOnlyList<string> levels = StringArray(root, "namespace", required: true)!;
            var properties = StringMap(root, "properties") ?? [];
            return (levels, properties);
        });

    public static Result<(IReadOnlyList<string> Removals, Dictionary<string, string> Updates)> UpdateProperties(ReadOnlyMemory<byte> body) =>
        Parse(body, root => ((IReadOnlyList<string>)(StringArray(root, "removals", required: false) ?? []), StringMap(root, "updates") ?? []));

    public static Result<(TableIdentifier Source, TableIdentifier Destination)> Rename(ReadOnlyMemory<byte> body) =>
        Parse(body, root => (Identifier(root, "source"), Identifier(root, "destination")));

    /// <summary>A metrics report: its <c>report-type</c> and the JSON as sent.</summary>
    public static Result<(string ReportType, string Json)> MetricsReport(ReadOnlyMemory<byte> body) =>
        Parse(body, root =>
        {
            var type = root.TryGetProperty("report-type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()!
                : throw new FormatException("report-type is required");
            if (type is not ("scan-report" or "commit-report"))
            {
                throw new FormatException($"unknown report-type '{type}'");
            }

            return (type, root.GetRawText());
        });

    public static TableIdentifier Identifier(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var element) || element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{property} is required and must be an object");
        }

        var levels = StringArray(element, "namespace", required: true)!;
        var name = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()!
            : throw new FormatException($"{property}.name is required and must be a string");
        return new TableIdentifier(levels, name);
    }

    private static Result<T> Parse<T>(ReadOnlyMemory<byte> body, Func<JsonElement, T> read)
    {
        // The reader does not check UTF-8 inside strings; GetString would throw on it (a 500).
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return IcebergError.BadRequest("Malformed request: the body is not valid UTF-8");
        }

        try
        {
            using var document = JsonDocument.Parse(body, Options);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return IcebergError.BadRequest("Malformed request: the body must be a JSON object");
            }

            return read(document.RootElement);
        }
        catch (JsonException ex)
        {
            return IcebergError.BadRequest("Malformed request: invalid JSON" + (ex.LineNumber is { } line ? $" at line {line + 1}" : string.Empty));
        }
        catch (FormatException ex)
        {
            return IcebergError.BadRequest("Malformed request: " + ex.Message);
        }
    }

    private static List<string>? StringArray(JsonElement root, string property, bool required)
    {
        if (!root.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new FormatException($"{property} is required") : null;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{property} must be an array of strings");
        }

        var list = new List<string>(element.GetArrayLength());
        foreach (var item in element.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new FormatException($"{property} must be an array of strings"));
        }

        return list;
    }

    private static Dictionary<string, string>? StringMap(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{property} must be an object of strings");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{property}.{item.Name} must be a string");
            }

            if (!map.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new FormatException($"{property} has the key '{item.Name}' twice");
            }
        }

        return map;
    }
}
