using System.Text;
using Lakekeeper.Iceberg;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// Keyset pagination: the token is the opaque (base64url) name key of the last item of the page.
/// Without <c>pageToken</c> and <c>pageSize</c> a list returns everything in one page, as the spec
/// asks of clients that do not paginate; <c>pageToken=</c> (empty) starts paging.
/// </summary>
internal readonly record struct Paging(string? AfterKey, int Limit, bool Paginated)
{
    public static Result<Paging> From(string? pageToken, string? pageSize, CatalogOptions options)
    {
        var paginated = pageToken is not null || pageSize is not null;
        var limit = paginated ? options.PageSizeDefault : int.MaxValue;
        if (pageSize is { Length: > 0 })
        {
            if (!int.TryParse(pageSize, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit < 1)
            {
                return IcebergError.BadRequest("pageSize must be a positive integer");
            }

            limit = Math.Min(limit, options.PageSizeMax);
        }

        string? after = null;
        if (pageToken is { Length: > 0 })
        {
            try
            {
                after = Encoding.UTF8.GetString(Base64Url.Decode(pageToken));
            }
            catch (FormatException)
            {
                return IcebergError.BadRequest("pageToken is not a token this server issued");
            }
        }

        return new Paging(after, limit, paginated);
    }

    /// <summary>Asks for one row more than the page to know whether another page follows.</summary>
    public int FetchLimit => Limit == int.MaxValue ? int.MaxValue : Limit + 1;

    /// <summary>The token for the page after one that ended with <paramref name="lastKey"/>.</summary>
    public static string Token(string lastKey) => Base64Url.Encode(Encoding.UTF8.GetBytes(lastKey));
}

internal static class Base64Url
{
    public static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Decode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return Convert.FromBase64String(s);
    }
}
