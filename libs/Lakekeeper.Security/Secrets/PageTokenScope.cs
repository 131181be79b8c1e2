using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Lakekeeper.Security.Secrets;

/// <summary>
/// The listing a page token belongs to, and the protector that seals and opens it: a token sealed for
/// one scope opens in no other. The catalog and the management API name their listings with it.
/// </summary>
public sealed class PageTokenScope(IPageTokenProtector protector, string scope)
{
    /// <summary>
    /// A scope made of several parts (e.g. the path, the project, each filter), each written with its
    /// length first, so that no two different lists of parts give the same scope.
    /// </summary>
    public static PageTokenScope Of(IPageTokenProtector protector, params IEnumerable<string?> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            var value = part ?? string.Empty;
            text.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }

        return new PageTokenScope(protector, text.ToString());
    }

    /// <summary>The token for the page after <paramref name="key"/>.</summary>
    public string Seal(string key) => protector.Seal(scope, key);

    /// <summary>The key inside a token sealed for this scope; false for anything else.</summary>
    public bool TryOpen(string token, [NotNullWhen(true)] out string? key) => protector.TryOpen(scope, token, out key);
}
