namespace Lakekeeper.Iceberg;

/// <summary>
/// A JSON value kept verbatim (compact form), e.g. a field's <c>initial-default</c> or an unknown
/// top-level metadata field. Equality is textual on the compact form.
/// </summary>
public sealed record RawJson
{
    internal RawJson(string json) => Json = json;

    /// <summary>Compact JSON text of the value.</summary>
    public string Json { get; }

    public bool IsNull => Json == "null";

    /// <summary>Parses and compacts arbitrary JSON text; fails on invalid JSON.</summary>
    public static Result<RawJson> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Lakekeeper.Iceberg.Json.JsonCore.ParseRaw(System.Text.Encoding.UTF8.GetBytes(json));
    }

    public override string ToString() => Json;
}
