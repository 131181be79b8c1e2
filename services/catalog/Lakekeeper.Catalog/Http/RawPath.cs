using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// Reads path segments from the raw request target, because Kestrel's decoded path keeps
/// <c>%2F</c> encoded and does not turn <c>+</c> into a space, while Iceberg clients encode
/// identifiers with form encoding (Java) or percent encoding (pyiceberg).
/// </summary>
internal static class RawPath
{
    /// <summary>The <paramref name="index"/>-th segment after <c>/catalog/v1/[{prefix}/]</c>, decoded.</summary>
    public static string? Segment(HttpContext context, int index)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw.AsSpan(0, query) : raw.AsSpan();
        // "/catalog/v1/{prefix}/namespaces/..." : skip "", "catalog", "v1" and the prefix when the route has one.
        var skip = context.Request.RouteValues.ContainsKey("prefix") ? 4 : 3;
        var target = skip + index;
        var current = 0;
        foreach (var range in path.Split('/'))
        {
            if (current++ == target)
            {
                return Decode(path[range]);
            }
        }

        return null;
    }

    /// <summary>URL form decoding: <c>+</c> is a space, <c>%XX</c> a UTF-8 byte.</summary>
    public static string Decode(ReadOnlySpan<char> segment)
    {
        if (segment.IndexOfAny('%', '+') < 0)
        {
            return segment.ToString();
        }

        return Uri.UnescapeDataString(segment.ToString().Replace('+', ' '));
    }
}
