namespace Lakekeeper.Security.Authentication;

/// <summary>
/// A condition a token must meet to be accepted (<c>…REQUIRED_CLAIMS__&lt;NAME&gt;__{CLAIM,ANY_OF,ALL_OF,NONE_OF,EXISTS}</c>).
/// A claim's values are its string, or the items of its array. <c>ANY_OF</c>: at least one value is
/// listed; <c>ALL_OF</c>: every listed value is present; <c>NONE_OF</c>: no value is listed;
/// <c>EXISTS</c>: the claim is present (true) or absent (false). A rule with no condition means
/// <c>EXISTS=true</c>. Values are compared exactly (case-sensitive).
/// </summary>
public sealed record RequiredClaimRule(
    string Name,
    string Claim,
    IReadOnlyList<string> AnyOf,
    IReadOnlyList<string> AllOf,
    IReadOnlyList<string> NoneOf,
    bool? Exists)
{
    /// <summary>Null when the values satisfy the rule; otherwise why not (names the claim, never its values).</summary>
    public string? Check(IReadOnlyList<string> values)
    {
        var present = values.Count > 0;
        if (Exists is false)
        {
            return present ? $"claim '{Claim}' must be absent" : null;
        }

        if (!present)
        {
            return $"required claim '{Claim}' is missing";
        }

        if (AnyOf.Count > 0 && !values.Any(v => AnyOf.Contains(v, StringComparer.Ordinal)))
        {
            return $"claim '{Claim}' has none of the required values";
        }

        if (AllOf.Count > 0 && !AllOf.All(v => values.Contains(v, StringComparer.Ordinal)))
        {
            return $"claim '{Claim}' lacks a required value";
        }

        if (NoneOf.Count > 0 && values.Any(v => NoneOf.Contains(v, StringComparer.Ordinal)))
        {
            return $"claim '{Claim}' has a forbidden value";
        }

        return null;
    }
}
