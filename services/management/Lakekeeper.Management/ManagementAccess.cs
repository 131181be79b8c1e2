using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Security.Identity;

namespace Lakekeeper.Management;

/// <summary>
/// The visibility rule of management: a caller who may not even see an object gets its "does not exist"
/// error (404, the same body as a missing one); one who sees it but may not act gets 403.
/// </summary>
internal sealed class ManagementAccess(IAuthorizer authorizer, ICallerAccessor callers)
{
    public Principal Caller => IdentityHttp.ToPrincipal(callers.Current);

    /// <returns>Null when allowed; otherwise the 403 or <paramref name="notFound"/>.</returns>
    public ValueTask<ApiError?> RequireAsync(AuthzObject target, string action, ApiError notFound, CancellationToken cancellationToken) =>
        RequireAsync(Caller, target, action, notFound, cancellationToken);

    /// <returns>Null when <paramref name="caller"/> may; otherwise the 403 or <paramref name="notFound"/>.</returns>
    public async ValueTask<ApiError?> RequireAsync(Principal caller, AuthzObject target, string action, ApiError notFound, CancellationToken cancellationToken)
    {
        if (await authorizer.CheckAsync(caller, target, action, cancellationToken))
        {
            return null;
        }

        var visibility = VisibilityRelation(target.Type);
        return action != visibility && (visibility is null || await authorizer.CheckAsync(caller, target, visibility, cancellationToken))
            ? ManagementErrors.Forbidden($"Forbidden: {action} on {target.Type}")
            : notFound;
    }

    /// <summary>What makes an object visible: <c>can_get_metadata</c>, a role's <c>can_read</c>; null for the server (always visible).</summary>
    public static string? VisibilityRelation(string type) => type switch
    {
        ObjectTypes.Server => null,
        ObjectTypes.Role => IdentityActions.CanRead,
        _ => Relations.CanGetMetadata,
    };
}
