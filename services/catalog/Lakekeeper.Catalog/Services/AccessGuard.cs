using Lakekeeper.Authz;
using Lakekeeper.Iceberg;
using Lakekeeper.Security.Identity;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Authorization with the visibility rule: a caller who may not even see an object gets its
/// "does not exist" error (404), one who may see it but not do the action gets 403.
/// </summary>
internal sealed class AccessGuard(IAuthorizer authorizer, ICallerAccessor callers)
{
    /// <summary>
    /// The caller of the current request, as the authorizer sees it: the authenticated user (and
    /// the role it assumed), or anonymous when no identity provider is configured.
    /// </summary>
    public Principal Caller => ToPrincipal(callers.Current);

    public static Principal ToPrincipal(Caller caller) =>
        caller.IsAnonymous ? Principal.Anonymous : new Principal(caller.UserId!.Value.Value, caller.AssumedRole?.ToString());

    /// <returns>Null when allowed; otherwise the 403 or the given 404.</returns>
    public async ValueTask<IcebergError?> RequireAsync(
        AuthzObject target, string relation, Func<IcebergError> notFound, CancellationToken cancellationToken)
    {
        if (await authorizer.CheckAsync(Caller, target, relation, cancellationToken))
        {
            return null;
        }

        var visible = relation != Relations.CanGetMetadata
            && await authorizer.CheckAsync(Caller, target, Relations.CanGetMetadata, cancellationToken);
        return visible ? CatalogErrors.Forbidden($"Forbidden: {relation} on {target.Type}") : notFound();
    }

    /// <summary>Which of the listed ids the caller may see, or null when it may see all of them.</summary>
    public async ValueTask<ObjectList> VisibleAsync(string objectType, AuthzObject within, CancellationToken cancellationToken) =>
        await authorizer.ListObjectsAsync(Caller, objectType, Relations.CanIncludeInList, within, cancellationToken);
}
