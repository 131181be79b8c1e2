using Lakekeeper.Authz;

namespace Lakekeeper.Signer.Services;

/// <summary>
/// The signer's authorization: the caller must be able to use the warehouse, and read the table's
/// data (GET, HEAD, list) or write it (PUT, POST, DELETE). Lakekeeper's actions, through whichever
/// <see cref="IAuthorizer"/> is configured.
/// </summary>
internal sealed class SignerAccess(IAuthorizer authorizer)
{
    /// <summary>
    /// The caller. Requests are anonymous until an identity provider is configured (authentication
    /// arrives with the identity issue, as for the catalog's AccessGuard).
    /// </summary>
    public static Principal Caller => Principal.Anonymous;

    /// <summary>
    /// Null when the caller may use the warehouse and holds <paramref name="relation"/>
    /// (<c>can_read_data</c> or <c>can_write_data</c>) on the table; else the action it lacks. Single
    /// checks, not a batch: the gRPC binding caches single check answers briefly
    /// (<c>LAKEKEEPER__AUTHZ__CHECKCACHEMS</c>), which a sign request per S3 call needs.
    /// </summary>
    public async ValueTask<string?> MissingAsync(string warehouseId, string tableId, string relation, CancellationToken cancellationToken)
    {
        if (!await authorizer.CheckAsync(Caller, AuthzObject.Warehouse(warehouseId), Relations.CanUse, cancellationToken))
        {
            return Relations.CanUse + " on the warehouse";
        }

        return await authorizer.CheckAsync(Caller, AuthzObject.Table(tableId), relation, cancellationToken) ? null : relation + " on the table";
    }
}
