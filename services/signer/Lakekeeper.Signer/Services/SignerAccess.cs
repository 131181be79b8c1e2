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

    public ValueTask<bool> MayUseWarehouseAsync(string warehouseId, CancellationToken cancellationToken) =>
        authorizer.CheckAsync(Caller, AuthzObject.Warehouse(warehouseId), Relations.CanUse, cancellationToken);

    /// <summary>Whether the caller holds <paramref name="relation"/> (<c>can_read_data</c> or <c>can_write_data</c>) on the table.</summary>
    public ValueTask<bool> MayAsync(string tableId, string relation, CancellationToken cancellationToken) =>
        authorizer.CheckAsync(Caller, AuthzObject.Table(tableId), relation, cancellationToken);
}
