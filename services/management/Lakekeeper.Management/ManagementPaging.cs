using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lakekeeper.Security.Secrets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management;

/// <summary>
/// Sealed page tokens for every paged management listing, with the catalog's mechanism
/// (<see cref="PageTokenScope"/>, an HMAC over the listing and the key): a token opens only in the
/// listing and with the filters it was issued for. The scope is the method, the path (which names
/// the warehouse, role or user), the <c>x-project-id</c> header, and the filters: every query
/// parameter but the paging ones for a GET, the body without its paging fields for a POST. A forged,
/// altered or foreign token is refused with 400.
/// </summary>
internal static class ManagementPaging
{
    private static readonly HashSet<string> PagingParameters = new(StringComparer.OrdinalIgnoreCase) { "pageToken", "pageSize", "page_token", "page_size" };

    /// <summary>The scope of a GET listing: its filters are its query parameters.</summary>
    public static PageTokenScope QueryScope(HttpContext context)
    {
        var parts = Prefix(context);
        foreach (var (name, values) in context.Request.Query.Where(q => !PagingParameters.Contains(q.Key)).OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            parts.Add(name);
            parts.Add(values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            parts.AddRange(values);
        }

        return PageTokenScope.Of(Protector(context), parts);
    }

    /// <summary>The scope of a POST listing: its filters are <paramref name="filters"/>, the body without its paging fields.</summary>
    public static PageTokenScope BodyScope<T>(HttpContext context, T filters, JsonTypeInfo<T> type)
    {
        var parts = Prefix(context);
        parts.Add(JsonSerializer.Serialize(filters, type));
        return PageTokenScope.Of(Protector(context), parts);
    }

    /// <summary>
    /// The key inside <paramref name="token"/> (null or empty: the first page, key null); false when
    /// the token is not one this server issued for this listing.
    /// </summary>
    public static bool TryOpen(PageTokenScope scope, string? token, out string? key)
    {
        key = null;
        return string.IsNullOrEmpty(token) || scope.TryOpen(token, out key);
    }

    /// <summary>The token for the page after <paramref name="key"/>; null when there is no next page.</summary>
    public static string? Next(PageTokenScope scope, string? key) => key is null ? null : scope.Seal(key);

    /// <summary>
    /// The listing's identity: method, path and the project the request resolves to (<c>x-project-id</c>,
    /// else the default project), not the raw header, so a client that sends the default project's id on
    /// one page and no header on the next stays in the same listing.
    /// </summary>
    private static List<string?> Prefix(HttpContext context) =>
    [
        "management",
        context.Request.Method,
        context.Request.Path.Value,
        ManagementHttp.Project(context, out _)?.ToString() ?? context.Request.Headers[ProjectsApi.ProjectHeader].ToString(),
    ];

    private static IPageTokenProtector Protector(HttpContext context) => context.RequestServices.GetRequiredService<IPageTokenProtector>();
}
