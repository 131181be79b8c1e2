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
    /// <remarks>
    /// Routing saw Kestrel's normalised path: an absolute-form target reduced to its path and dot
    /// segments (also <c>%2E</c>) removed. The raw target gets the same treatment, so the segments
    /// read here are those of the route that matched: <c>namespaces/a/../b</c> names <c>b</c>, never <c>a</c>.
    /// </remarks>
    public static string? Segment(HttpContext context, int index)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw.AsSpan(0, query) : raw.AsSpan();
        if (!path.StartsWith('/') && path.IndexOf("://", StringComparison.Ordinal) is var scheme and > 0)
        {
            // Absolute form: "http://host:port/catalog/v1/...".
            var slash = path[(scheme + 3)..].IndexOf('/');
            path = slash < 0 ? "/" : path[(scheme + 3 + slash)..];
        }

        // "/catalog/v1/{prefix}/namespaces/..." : skip "", "catalog", "v1" and the prefix when the route has one.
        var skip = context.Request.RouteValues.ContainsKey("prefix") ? 4 : 3;
        var target = skip + index;
        if (HasDotSegment(path))
        {
            var segments = WithoutDotSegments(path);
            return target < segments.Count ? Decode(segments[target]) : null;
        }

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

    private static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        foreach (var range in path.Split('/'))
        {
            if (Dots(path[range]) > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 3986 remove_dot_segments on the raw segments, as Kestrel does before routing.</summary>
    private static List<string> WithoutDotSegments(ReadOnlySpan<char> path)
    {
        var segments = new List<string>();
        var last = false;
        var count = path.Count('/') + 1;
        var i = 0;
        foreach (var range in path.Split('/'))
        {
            last = ++i == count;
            var segment = path[range];
            switch (Dots(segment))
            {
                case 1:
                    break;
                case 2:
                    if (segments.Count > 1)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                default:
                    segments.Add(segment.ToString());
                    continue;
            }

            if (last)
            {
                // "/a/b/.." is "/a/": the path ends in an empty segment.
                segments.Add(string.Empty);
            }
        }

        return segments;
    }

    /// <summary>1 for a "." segment, 2 for "..", also written <c>%2E</c>; otherwise 0.</summary>
    private static int Dots(ReadOnlySpan<char> segment)
    {
        var dots = 0;
        for (var i = 0; i < segment.Length; i++)
        {
            if (segment[i] == '.')
            {
                dots++;
            }
            else if (segment[i] == '%' && i + 2 < segment.Length && segment[i + 1] == '2' && (segment[i + 2] is 'E' or 'e'))
            {
                dots++;
                i += 2;
            }
            else
            {
                return 0;
            }

            if (dots > 2)
            {
                return 0;
            }
        }

        return dots;
    }
}
