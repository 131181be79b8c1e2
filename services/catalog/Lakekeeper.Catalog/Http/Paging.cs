using Lakekeeper.Iceberg;
using Lakekeeper.Security.Secrets;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// Keyset pagination: the token is the name key of the last item of the page, sealed for the listing
/// it came from (<see cref="IPageTokenProtector"/>; the scope is the request path and the parent), so
/// an altered token or one from another listing is a 400. Without <c>pageToken</c> and
/// <c>pageSize</c> a list returns everything in one page, as the spec asks of clients that do not
/// paginate; <c>pageToken=</c> (empty) starts paging.
/// </summary>
internal readonly record struct Paging(string? AfterKey, int Limit, bool Paginated, PageTokenScope? Scope = null)
{
    public static Result<Paging> From(string? pageToken, string? pageSize, CatalogOptions options, PageTokenScope? scope = null)
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
        if (pageToken is { Length: > 0 } && (scope is null || !scope.TryOpen(pageToken, out after)))
        {
            return IcebergError.BadRequest("pageToken is not a token this server issued for this listing");
        }

        return new Paging(after, limit, paginated, scope);
    }

    /// <summary>Asks for one row more than the page to know whether another page follows.</summary>
    public int FetchLimit => Limit == int.MaxValue ? int.MaxValue : Limit + 1;

    /// <summary>The token for the page after one that ended with <paramref name="lastKey"/>.</summary>
    public string Token(string lastKey) =>
        (Scope ?? throw new InvalidOperationException("A paginated listing needs a token scope")).Seal(lastKey);
}
