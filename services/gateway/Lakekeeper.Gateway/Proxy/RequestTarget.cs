using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>
/// The upstream URI built from the request target exactly as the client sent it, so percent-encoded
/// bytes (<c>%1F</c>, <c>%2F</c>, <c>%41</c>) and <c>+</c> in Iceberg identifiers reach the upstream
/// unchanged. YARP builds the URI from the decoded path and re-encodes it (dotnet/yarp#1419: <c>%2F</c>
/// would arrive as <c>%252F</c>), so the gateway's request transform sets the URI itself.
/// </summary>
internal static class RequestTarget
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <param name="destinationPrefix">Scheme, authority and optional base path (a trailing slash is ignored).</param>
    /// <param name="target">Origin-form target from <see cref="TrySelect"/>.</param>
    public static Uri Create(string destinationPrefix, string target) =>
        new(string.Concat(destinationPrefix.AsSpan().TrimEnd('/'), target), Verbatim);

    /// <summary>
    /// The raw target (<c>IHttpRequestFeature.RawTarget</c>) minus the path base. False when the target
    /// must be normalised instead: not in origin form, dot segments (routing decided on the normalised
    /// path, so the upstream must see that one too) or non-ASCII characters; YARP's own URI (the decoded,
    /// normalised path, re-encoded) is right for those.
    /// </summary>
    public static bool TrySelect(string rawTarget, PathString pathBase, out string target)
    {
        target = rawTarget;
        if (rawTarget.Length == 0 || rawTarget[0] != '/' || NeedsNormalising(rawTarget))
        {
            return false;
        }

        if (!pathBase.HasValue)
        {
            return true;
        }

        // The path base has as many segments raw as decoded (Kestrel never decodes %2F).
        var segments = pathBase.Value!.AsSpan().Count('/');
        var index = 0;
        for (var i = 0; i < segments; i++)
        {
            index = NextSeparator(rawTarget, index + 1);
            if (index < 0)
            {
                target = "/";
                return true;
            }
        }

        target = rawTarget[index] == '?' ? "/" + rawTarget[index..] : rawTarget[index..];
        return true;
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
