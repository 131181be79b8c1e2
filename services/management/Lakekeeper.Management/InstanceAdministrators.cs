using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Identity;

namespace Lakekeeper.Management;

/// <summary>
/// Who is an instance administrator: a caller acting directly (never through an assumed role, as
/// Lakekeeper's <c>is-instance-admin</c>) who is listed in <c>LAKEKEEPER__INSTANCE_ADMINS</c> or for
/// whom the authorizer allows the server's <c>admin</c> or <c>operator</c> relation (the bootstrap
/// user, and whoever was granted either; with the allow-all backend, everyone). Instance
/// administrators alone change the spec of a warehouse that is <c>managed-by: instance-admin</c>,
/// and alone set or clear that marker (docs/management.md).
/// </summary>
internal sealed class InstanceAdministrators(IAuthorizer authorizer)
{
    /// <summary>The server's relations that make an instance administrator (Lakekeeper's model: <c>server#admin</c>, <c>server#operator</c>).</summary>
    private static readonly CheckItem[] ServerAdministration =
    [
        new(AuthzObject.Server(IdentityActions.ServerId), "admin"),
        new(AuthzObject.Server(IdentityActions.ServerId), "operator"),
    ];

    public async ValueTask<bool> IsInstanceAdminAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (caller.AssumedRole is not null)
        {
            return false;
        }

        if (caller.IsInstanceAdmin)
        {
            return true;
        }

        var answers = await authorizer.BatchCheckAsync(IdentityHttp.ToPrincipal(caller), ServerAdministration, cancellationToken);
        return answers.Any(allowed => allowed);
    }

    /// <summary>
    /// Null when <paramref name="caller"/> may change <paramref name="what"/> of <paramref name="warehouse"/>:
    /// always for a self-managed warehouse, only for an instance administrator otherwise (403).
    /// </summary>
    public async ValueTask<ApiError?> RequireForSpecChangeAsync(Caller caller, WarehouseRecord warehouse, string what, CancellationToken cancellationToken) =>
        !warehouse.IsInstanceAdminManaged || await IsInstanceAdminAsync(caller, cancellationToken)
            ? null
            : ManagementErrors.Forbidden(
                $"Forbidden: warehouse {warehouse.Id} is managed-by '{WarehouseRecord.InstanceAdminManaged}'; only an instance administrator may change its {what}");
}
