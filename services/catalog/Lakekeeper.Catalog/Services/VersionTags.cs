using System.Security.Cryptography;
using System.Text;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// The version tag of a table or view document (sent as its ETag): one per metadata file and load
/// mode (<c>all</c> and <c>refs</c> of one version differ), so a client that names the current tag
/// already holds the document.
/// </summary>
internal static class VersionTags
{
    /// <summary>
    /// The strong tag (quoted, as an ETag) of a metadata version and load mode and, when given, the
    /// data-access decision of the answer (mechanism, access level, warehouse settings version), so
    /// a 304 never lets a caller keep another decision's answer.
    /// </summary>
    public static string Of(string metadataLocation, string mode, string? delegation = null)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(mode + "|" + metadataLocation + (delegation is null ? string.Empty : "|" + delegation)), hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }

    /// <summary>Whether an <c>If-None-Match</c> value names <paramref name="etag"/> (or <c>*</c>).</summary>
    public static bool Matches(string? ifNoneMatch, string etag)
    {
        if (string.IsNullOrEmpty(ifNoneMatch))
        {
            return false;
        }

        foreach (var candidate in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var value = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
            if (value == "*" || value == etag)
            {
                return true;
            }
        }

        return false;
    }
}
