using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Gateway.Forwarding;

/// <summary>
/// Builds the upstream URI from the request target exactly as the client sent it, so percent-encoded
/// bytes (<c>%1F</c>, <c>%2F</c>) and <c>+</c> reach the upstream unchanged: no decode, no re-encode.
/// </summary>
internal static class RequestTarget
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <param name="destinationPrefix">Scheme, authority and optional base path, without a trailing slash.</param>
    /// <param name="rawTarget">The request line's target (<c>IHttpRequestFeature.RawTarget</c>).</param>
    public static Uri Create(string destinationPrefix, string rawTarget, PathString pathBase, PathString path, QueryString query)
    {
        var target = Select(rawTarget, pathBase, path, query);
        return new Uri(string.Concat(destinationPrefix, target), Verbatim);
    }

    /// <summary>
    /// The raw target minus the path base. Falls back to the normalised path (re-encoded) when the raw
    /// target is not in origin form, carries dot segments (routing decided on the normalised path, so
    /// the upstream must see that one too) or non-ASCII characters.
    /// </summary>
    internal static string Select(string rawTarget, PathString pathBase, PathString path, QueryString query)
    {
        if (rawTarget.Length == 0 || rawTarget[0] != '/' || NeedsNormalising(rawTarget))
        {
            return path.ToUriComponent() + query.ToUriComponent();
        }

        if (!pathBase.HasValue)
        {
            return rawTarget;
        }

        // The path base has as many segments raw as decoded (Kestrel never decodes %2F).
        var segments = pathBase.Value!.AsSpan().Count('/');
        var index = 0;
        for (var i = 0; i < segments; i++)
        {
            index = NextSeparator(rawTarget, index + 1);
            if (index < 0)
            {
                return "/";
            }
        }

        return rawTarget[index] == '?' ? "/" + rawTarget[index..] : rawTarget[index..];
    }

    private static int NextSeparator(string target, int start)
    {
        for (var i = start; i < target.Length; i++)
        {
            if (target[i] is '/' or '?')
            {
                return i;
            }
        }

        return -1;
    }

    private static bool NeedsNormalising(string rawTarget)
    {
        var end = rawTarget.IndexOf('?');
        var path = end < 0 ? rawTarget.AsSpan() : rawTarget.AsSpan(0, end);
        return path.Contains("/.", StringComparison.Ordinal)
            || path.Contains("%2e", StringComparison.OrdinalIgnoreCase)
            || !System.Text.Ascii.IsValid(rawTarget);
    }
}
