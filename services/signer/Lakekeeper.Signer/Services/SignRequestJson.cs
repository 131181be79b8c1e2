using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Lakekeeper.Signer.Services;

/// <summary>
/// A sign request: the S3 request an engine is about to send. The S3 signer spec's
/// <c>S3SignRequest</c> and the Iceberg REST spec's <c>RemoteSignRequest</c> (which adds
/// <c>provider</c>): <c>{region, uri, method, headers: {name: [values]}, properties?, body?, provider?}</c>.
/// </summary>
internal sealed record SignRequest(
    string Region,
    string Uri,
    string Method,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Headers,
    string? Body,
    string? Provider);

internal static class SignRequestJson
{
    private const int MaxHeaders = 200;

    public static bool TryParse(ReadOnlyMemory<byte> json, [NotNullWhen(true)] out SignRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the sign request must be a JSON object";
                return false;
            }

            if (!TryString(root, "region", required: true, out var region, out error)
                || !TryString(root, "uri", required: true, out var uri, out error)
                || !TryString(root, "method", required: true, out var method, out error)
                || !TryString(root, "body", required: false, out var body, out error)
                || !TryString(root, "provider", required: false, out var provider, out error))
            {
                return false;
            }

            if (!root.TryGetProperty("headers", out var headersElement) || headersElement.ValueKind != JsonValueKind.Object)
            {
                error = "headers is required: an object of header name to a list of values";
                return false;
            }

            var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in headersElement.EnumerateObject())
            {
                if (headers.Count >= MaxHeaders)
                {
                    error = $"headers: at most {MaxHeaders} headers";
                    return false;
                }

                if (!IsToken(header.Name))
                {
                    error = "headers: a header name is not a valid HTTP token";
                    return false;
                }

                if (header.Value.ValueKind != JsonValueKind.Array)
                {
                    error = $"headers: '{Shorten(header.Name)}' must be a list of strings";
                    return false;
                }

                var values = new List<string>();
                foreach (var value in header.Value.EnumerateArray())
                {
                    if (value.ValueKind != JsonValueKind.String)
                    {
                        error = $"headers: '{Shorten(header.Name)}' must be a list of strings";
                        return false;
                    }

                    var text = value.GetString()!;
                    if (text.Any(static c => c is < ' ' and not '\t' or '\x7F'))
                    {
                        error = $"headers: '{Shorten(header.Name)}' has a control character";
                        return false;
                    }

                    values.Add(text);
                }

                headers[header.Name] = headers.TryGetValue(header.Name, out var existing) ? [.. existing, .. values] : values;
            }

            if (root.TryGetProperty("properties", out var properties) && properties.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                error = "properties must be an object of strings";
                return false;
            }

            request = new SignRequest(region!, uri!, method!, headers, body, provider);
            error = null;
            return true;
        }
        catch (JsonException)
        {
            error = "the sign request is not valid JSON";
            return false;
        }
    }

    private static bool TryString(JsonElement root, string name, bool required, out string? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                error = $"{name} is required";
                return false;
            }

            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"{name} must be a string";
            return false;
        }

        value = element.GetString();
        return true;
    }

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsToken(string name) =>
        name.Length is > 0 and <= 256 && name.All(static c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));

    internal static string Shorten(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
