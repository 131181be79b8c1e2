using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Catalog.Api;

internal static class RouteMapping
{
    /// <summary>
    /// Maps a route under <c>/v1/{prefix}/…</c> and under <c>/v1/…</c>: the prefix is optional in the
    /// spec (clients leave it out when config returns none).
    /// </summary>
    public static void MapBoth(this RouteGroupBuilder group, string method, string template, Delegate handler)
    {
        group.MapMethods("/{prefix}/" + template, [method], handler);
        group.MapMethods("/" + template, [method], handler);
    }
}
