using System.Buffers;
using System.Text.Json;

namespace Lakekeeper.Management;

/// <summary>Small helpers for the management API's JSON bodies.</summary>
internal static class ManagementJson
{
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> body, out string? error)
    {
        try
        {
            var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                error = "the body must be a JSON object";
                return null;
            }

            error = null;
            return document;
        }
        catch (JsonException)
        {
            error = "the body is not valid JSON";
            return null;
        }
    }

    public static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool IsPresentButNotString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null);

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }
}
