using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lakekeeper.Storage.Locations;

/// <summary>
/// Lakekeeper's <c>storage-layout</c> of a storage profile: how the default location of a new table or
/// view is built below the warehouse base, in Lakekeeper's JSON shape.
/// <list type="bullet">
/// <item><c>{"type":"default"}</c>: <c>&lt;base&gt;/&lt;table id&gt;</c> (flat, Lakekeeper's default since 0.13).</item>
/// <item><c>{"type":"full-hierarchy","namespace":"{name}-{uuid}","tabular":"{name}-{uuid}"}</c>: one
/// folder per namespace level (from the top), then the table's folder.</item>
/// <item><c>{"type":"tabular-only","tabular":"{name}-{uuid}"}</c>: no namespace folders; the template
/// must contain <c>{uuid}</c>.</item>
/// </list>
/// A template is one path segment: literal letters, digits, <c>-</c>, <c>_</c>, <c>.</c>, <c>~</c> and the
/// placeholders <c>{uuid}</c> (the namespace's or table's id, <c>8-4-4-4-12</c> lowercase hex as
/// Lakekeeper writes it) and <c>{name}</c> (the name escaped with <see cref="LocationNames.Escape"/>).
/// A profile without a layout keeps this server's own layout (<see cref="TableLocations.TryDefault"/>).
/// </summary>
[JsonConverter(typeof(StorageLayoutJsonConverter))]
public sealed record StorageLayout
{
    public const string DefaultType = "default";
    public const string FullHierarchyType = "full-hierarchy";
    public const string TabularOnlyType = "tabular-only";
    public const string UuidPlaceholder = "{uuid}";
    public const string NamePlaceholder = "{name}";

    /// <summary>Longest template accepted (S3 keys are at most 1024 bytes in all).</summary>
    public const int MaxTemplateLength = 200;

    private StorageLayout(string type, string? namespaceTemplate, string? tabularTemplate)
    {
        Type = type;
        NamespaceTemplate = namespaceTemplate;
        TabularTemplate = tabularTemplate;
    }

    /// <summary><c>default</c>, <c>full-hierarchy</c> or <c>tabular-only</c>.</summary>
    public string Type { get; }

    /// <summary>The <c>namespace</c> template (<c>full-hierarchy</c> only).</summary>
    public string? NamespaceTemplate { get; }

    /// <summary>The <c>tabular</c> template (<c>full-hierarchy</c> and <c>tabular-only</c>).</summary>
    public string? TabularTemplate { get; }

    public static StorageLayout Default() => new(DefaultType, null, null);

    public static StorageLayout FullHierarchy(string namespaceTemplate, string tabularTemplate) =>
        new(FullHierarchyType, namespaceTemplate, tabularTemplate);

    public static StorageLayout TabularOnly(string tabularTemplate) => new(TabularOnlyType, null, tabularTemplate);

    /// <summary>The table template in effect (<c>{uuid}</c> for <c>default</c>).</summary>
    public string EffectiveTabularTemplate => TabularTemplate ?? UuidPlaceholder;

    /// <summary>Every table gets a location of its own (the table template contains <c>{uuid}</c>).</summary>
    public bool TabularLocationsAreUnique => EffectiveTabularTemplate.Contains(UuidPlaceholder, StringComparison.Ordinal);

    /// <summary>Locations need the id of every namespace level (full hierarchy with <c>{uuid}</c> in the namespace template).</summary>
    public bool NeedsNamespaceIds =>
        Type == FullHierarchyType && NamespaceTemplate!.Contains(UuidPlaceholder, StringComparison.Ordinal);

    /// <summary>Field problems, each naming the field (<c>storage-layout.tabular: …</c>); empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (NamespaceTemplate is not null && CheckTemplate(NamespaceTemplate, requireUuid: false) is { } namespaceError)
        {
            errors.Add("storage-layout.namespace: " + namespaceError);
        }

        if (TabularTemplate is not null && CheckTemplate(TabularTemplate, requireUuid: Type == TabularOnlyType) is { } tabularError)
        {
            errors.Add("storage-layout.tabular: " + tabularError);
        }

        return errors;
    }

    /// <summary>One rendered path segment: the template with its placeholders filled in.</summary>
    public static string Render(string template, string name, Guid id)
    {
        ArgumentNullException.ThrowIfNull(template);
        // Escaped names never contain braces, so the second replacement cannot see text of the first.
        var segment = template.Replace(UuidPlaceholder, id.ToString("D"), StringComparison.Ordinal);
        return segment.Contains(NamePlaceholder, StringComparison.Ordinal)
            ? segment.Replace(NamePlaceholder, LocationNames.Escape(name), StringComparison.Ordinal)
            : segment;
    }

    private static string? CheckTemplate(string template, bool requireUuid)
    {
        var shown = StorageLocation.Shorten(template);
        if (template.Length == 0)
        {
            return "must not be empty";
        }

        if (template.Length > MaxTemplateLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"is longer than {MaxTemplateLength} characters");
        }

        var literal = template.Replace(UuidPlaceholder, string.Empty, StringComparison.Ordinal)
            .Replace(NamePlaceholder, string.Empty, StringComparison.Ordinal);
        if (literal.Contains('/', StringComparison.Ordinal) || literal.Contains('\\', StringComparison.Ordinal))
        {
            return $"'{shown}' must not contain '/' or '\\': a template is one path segment";
        }

        if (literal.Contains('{', StringComparison.Ordinal) || literal.Contains('}', StringComparison.Ordinal))
        {
            return $"'{shown}' has an unknown placeholder; the placeholders are {UuidPlaceholder} and {NamePlaceholder}";
        }

        foreach (var rune in literal.EnumerateRunes())
        {
            if (!LocationNames.IsKept(rune))
            {
                return $"'{shown}' contains '{EscapeForMessage(rune)}'; literal text may be letters, digits, '-', '_', '.' and '~' (names are escaped for you)";
            }
        }

        if (literal.Length == template.Length)
        {
            return literal.AsSpan().IndexOfAnyExcept('.') < 0
                ? $"'{shown}' would be a '.' or '..' segment, and has no placeholder"
                : $"'{shown}' must contain {UuidPlaceholder} or {NamePlaceholder}: otherwise every namespace or table gets the same folder";
        }

        return requireUuid && !template.Contains(UuidPlaceholder, StringComparison.Ordinal)
            ? $"'{shown}' must contain {UuidPlaceholder} in the tabular-only layout: without namespace folders, tables of the same name in different namespaces would share a folder"
            : null;
    }

    private static string EscapeForMessage(Rune rune) =>
        Rune.IsControl(rune) ? string.Create(CultureInfo.InvariantCulture, $"U+{rune.Value:X4}") : rune.ToString();
}

/// <summary>
/// Reads and writes <see cref="StorageLayout"/> in Lakekeeper's shape: a <c>type</c> and the templates that
/// type has (both required for <c>full-hierarchy</c>, <c>tabular</c> for <c>tabular-only</c>, none for
/// <c>default</c>); any other field or type is refused by name.
/// </summary>
public sealed class StorageLayoutJsonConverter : JsonConverter<StorageLayout>
{
    private const string What = "storage-layout";

    public override StorageLayout Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"{What}: must be an object with a 'type' (or null)");
        }

        string? type = null;
        string? namespaceTemplate = null;
        string? tabularTemplate = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var field = reader.GetString()!;
            reader.Read();
            if (!seen.Add(field))
            {
                throw new JsonException($"{What}: '{StorageLocation.Shorten(field)}' is given twice");
            }

            switch (field)
            {
                case "type":
                    type = ReadString(ref reader, field);
                    break;
                case "namespace":
                    namespaceTemplate = ReadString(ref reader, field);
                    break;
                case "tabular":
                    tabularTemplate = ReadString(ref reader, field);
                    break;
                default:
                    throw new JsonException($"{What}: unknown field '{StorageLocation.Shorten(field)}'; the fields are 'type', 'namespace' and 'tabular'");
            }
        }

        return type switch
        {
            null => throw new JsonException($"{What}: 'type' is required ('{StorageLayout.DefaultType}', '{StorageLayout.FullHierarchyType}' or '{StorageLayout.TabularOnlyType}')"),
            StorageLayout.DefaultType when namespaceTemplate is null && tabularTemplate is null => StorageLayout.Default(),
            StorageLayout.DefaultType => throw new JsonException($"{What}: type '{StorageLayout.DefaultType}' takes no templates; use '{StorageLayout.FullHierarchyType}' or '{StorageLayout.TabularOnlyType}'"),
            StorageLayout.FullHierarchyType when namespaceTemplate is null || tabularTemplate is null =>
                throw new JsonException($"{What}: type '{StorageLayout.FullHierarchyType}' needs 'namespace' and 'tabular' templates (e.g. \"{{name}}-{{uuid}}\")"),
            StorageLayout.FullHierarchyType => StorageLayout.FullHierarchy(namespaceTemplate, tabularTemplate),
            StorageLayout.TabularOnlyType when tabularTemplate is null =>
                throw new JsonException($"{What}: type '{StorageLayout.TabularOnlyType}' needs a 'tabular' template containing {{uuid}}"),
            StorageLayout.TabularOnlyType when namespaceTemplate is not null =>
                throw new JsonException($"{What}: type '{StorageLayout.TabularOnlyType}' has no namespace folders; leave 'namespace' out"),
            StorageLayout.TabularOnlyType => StorageLayout.TabularOnly(tabularTemplate),
            _ => throw new JsonException(
                $"{What}: unknown type '{StorageLocation.Shorten(type)}'; expected '{StorageLayout.DefaultType}', '{StorageLayout.FullHierarchyType}' or '{StorageLayout.TabularOnlyType}'"),
        };
    }

    private static string ReadString(ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new JsonException($"{What}: '{field}' must be a string");

    public override void Write(Utf8JsonWriter writer, StorageLayout value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("type", value.Type);
        if (value.NamespaceTemplate is { } namespaceTemplate)
        {
            writer.WriteString("namespace", namespaceTemplate);
        }

        if (value.TabularTemplate is { } tabularTemplate)
        {
            writer.WriteString("tabular", tabularTemplate);
        }

        writer.WriteEndObject();
    }
}
