using Lakekeeper.Iceberg;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// The <c>X-Iceberg-Access-Delegation</c> header: the mechanisms a client can use to reach table
/// data (<c>vended-credentials</c>, <c>remote-signing</c>; Lakekeeper's <c>client-managed</c> too).
/// The catalog answers with the storage settings engines need either way; which mechanism it
/// honours comes with the signer (until then, none: no credentials are handed out).
/// </summary>
internal readonly record struct AccessDelegation(bool VendedCredentials, bool RemoteSigning, bool ClientManaged)
{
    public const string HeaderName = "X-Iceberg-Access-Delegation";

    /// <summary>Parses the header (absent = no preference); an unknown mechanism is a 400.</summary>
    public static Result<AccessDelegation> From(HttpRequest request)
    {
        var delegation = default(AccessDelegation);
        foreach (var value in request.Headers[HeaderName])
        {
            foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                switch (token.ToLowerInvariant())
                {
                    case "vended-credentials":
                        delegation = delegation with { VendedCredentials = true };
                        break;
                    case "remote-signing":
                        delegation = delegation with { RemoteSigning = true };
                        break;
                    case "client-managed":
                        delegation = delegation with { ClientManaged = true };
                        break;
                    default:
                        return IcebergError.BadRequest(
                            $"{HeaderName}: unknown mechanism '{(token.Length > 64 ? token[..64] + "…" : token)}'; expected vended-credentials, remote-signing or client-managed");
                }
            }
        }

        return delegation;
    }
}
