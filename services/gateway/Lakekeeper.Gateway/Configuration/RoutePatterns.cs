using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Lakekeeper.Gateway.Configuration;

/// <summary>
/// The path patterns a gateway route may use: literal segments, <c>{param}</c> (exactly one segment)
/// and a final <c>{**catch-all}</c> (zero or more segments). Constraints, defaults, optional and complex
/// segments are refused so precedence stays the simple rule documented in docs/gateway.md.
/// </summary>
internal static class RoutePatterns
{
    public static bool TryParse(string? path, [NotNullWhen(true)] out RoutePattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        if (string.IsNullOrWhiteSpace(path))
        {
            error = "is required, e.g. /catalog/{**path}";
            return false;
        }

        if (!path.StartsWith('/'))
        {
            error = "must start with '/'";
            return false;
        }

        RoutePattern parsed;
        try
        {
            parsed = RoutePatternFactory.Parse(path);
        }
        catch (RoutePatternException ex)
        {
            error = "is not a valid path pattern: " + ex.Message;
            return false;
        }

        foreach (var segment in parsed.PathSegments)
        {
            if (segment.Parts.Count != 1)
            {
                error = "may only use whole segments: a literal, {param} or {**catch-all}";
                return false;
            }

            if (segment.Parts[0] is RoutePatternParameterPart parameter
                && (parameter.IsOptional || parameter.Default is not null || parameter.ParameterPolicies.Count > 0))
            {
                error = $"parameter '{parameter.Name}' may not be optional or have a default or a constraint";
                return false;
            }
        }

        pattern = parsed;
        error = null;
        return true;
    }

    /// <summary>
    /// The pattern with parameter names erased and literals lower-cased. Two routes with the same shape
    /// (and order) match the same requests with the same precedence, which routing cannot decide.
    /// </summary>
    public static string Shape(RoutePattern pattern)
    {
        var shape = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            shape.Append('/');
            shape.Append(segment.Parts[0] switch
            {
                RoutePatternLiteralPart literal => literal.Content.ToLowerInvariant(),
                RoutePatternParameterPart { IsCatchAll: true } => "{**}",
                _ => "{}",
            });
        }

        return shape.ToString();
    }
}
