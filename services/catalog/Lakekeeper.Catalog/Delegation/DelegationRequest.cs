using Lakekeeper.Catalog.Http;
using Lakekeeper.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Delegation;

/// <summary>
/// What a load or create asks for data access: the client's <c>X-Iceberg-Access-Delegation</c> and
/// the catalog's public base URI (<c>…/catalog/</c>), which the signer URI is built from.
/// </summary>
internal sealed record DelegationRequest(AccessDelegation Header, string CatalogUri)
{
    /// <summary>
    /// The public catalog URI: <c>LAKEKEEPER__SERVER__PUBLICBASEURI</c> when set; else what the gateway
    /// saw (<c>X-Forwarded-Proto</c>, <c>-Host</c>, <c>-Prefix</c>); else this request's scheme and host.
    /// </summary>
    public static DelegationRequest From(HttpContext context)
    {
        var request = context.Request;
        var configured = context.RequestServices.GetService<IOptions<ServerOptions>>()?.Value.PublicBaseUri;
        string root;
        if (configured is not null)
        {
            root = configured.ToString().TrimEnd('/');
        }
        else
        {
            var scheme = First(request.Headers["X-Forwarded-Proto"]) ?? request.Scheme;
            var host = First(request.Headers["X-Forwarded-Host"]) ?? request.Host.Value ?? "localhost";
            var prefix = First(request.Headers["X-Forwarded-Prefix"]) ?? request.PathBase.Value ?? string.Empty;
            root = scheme + "://" + host + prefix.TrimEnd('/');
        }

        return new DelegationRequest(AccessDelegation.From(request), root + "/catalog/");
    }

    private static string? First(Microsoft.Extensions.Primitives.StringValues values)
    {
        var value = values.ToString();
        if (value.Length == 0)
        {
            return null;
        }

        var comma = value.IndexOf(',', StringComparison.Ordinal);
        return (comma < 0 ? value : value[..comma]).Trim();
    }
}
