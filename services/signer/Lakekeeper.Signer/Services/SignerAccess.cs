using Lakekeeper.Authz;
using Lakekeeper.Security.Identity;

namespace Lakekeeper.Signer.Services;

/// <summary>
/// The signer's authorization: the caller must be able to use the warehouse, and read the table's
/// data (GET, HEAD, list) or write it (PUT, POST, DELETE). Lakekeeper's actions, through whichever
/// <see cref="IAuthorizer"/> is configured.
/// </summary>
internal sealed class SignerAccess(IAuthorizer authorizer, ICallerAccessor callers)
{
    /// <summary>
    /// The caller of the current request, as the authorizer sees it: the authenticated user (and the
    /// role it assumed), or anonymous when no identity provider is configured.
    /// </summary>
    public Principal Caller => callers.Current is { IsAnonymous: false } caller
        ? new Principal(caller.UserId!.Value.Value, caller.AssumedRole?.ToString())
        : Principal.Anonymous;

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
