using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Catalog.Http;

/// <summary>
/// The <c>X-Iceberg-Access-Delegation</c> header: a comma list of the mechanisms a client can use to
/// reach table data (<c>vended-credentials</c>, <c>remote-signing</c>; Lakekeeper's
/// <c>client-managed</c> too). Unknown values are ignored, as the spec lets servers do. No header
/// means the client takes either (<see cref="Requested"/> is false).
/// </summary>
internal readonly record struct AccessDelegation(bool VendedCredentials, bool RemoteSigning, bool ClientManaged)
{
    public const string HeaderName = "X-Iceberg-Access-Delegation";

    /// <summary>Whether the client named any known mechanism.</summary>
    public bool Requested => VendedCredentials || RemoteSigning || ClientManaged;

    /// <summary>Vended credentials are acceptable: asked for, or nothing asked for.</summary>
    public bool AcceptsVendedCredentials => VendedCredentials || !Requested;

    /// <summary>Remote signing is acceptable: asked for, or nothing asked for.</summary>
    public bool AcceptsRemoteSigning => RemoteSigning || !Requested;

    public static AccessDelegation From(HttpRequest request)
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
                }
            }
        }

        return delegation;
    }
}
