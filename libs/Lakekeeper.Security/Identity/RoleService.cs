using Lakekeeper.Persistence.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Authentication;

namespace Lakekeeper.Security.Identity;

/// <summary>
/// The one place that writes roles and role membership (API calls and the roles claim of tokens
/// alike), so that whatever else must change with them (the authorizer's tuples) changes here.
/// Every change is audited.
/// </summary>
public sealed class RoleService(RoleRepository roles, AuthenticationSettings settings, AuditLog audit)
{
    public const string LocalProvider = "lakekeeper";

    public int MaxNestingDepth => settings.MaxRoleNestingDepth;

    public async Task<(RoleWriteOutcome Outcome, RoleRecord? Role)> CreateAsync(
        Caller caller, ProjectId project, string name, string? description, string? providerId, string? sourceId, CancellationToken cancellationToken)
    {
        var id = RoleId.New();
        var result = await roles.CreateAsync(id, project, name, description, providerId ?? LocalProvider, sourceId ?? id.ToString(), cancellationToken);
        audit.Change(caller, "create-role", $"role:{id} project:{project}", Describe(result.Outcome));
        return result;
    }

    public async Task<(RoleWriteOutcome Outcome, RoleRecord? Role)> UpdateAsync(
        Caller caller, ProjectId project, RoleId id, string name, string? description, CancellationToken cancellationToken)
    {
        var result = await roles.UpdateAsync(project, id, name, description, cancellationToken);
        audit.Change(caller, "update-role", $"role:{id} project:{project}", Describe(result.Outcome));
        return result;
    }

    public async Task<(RoleWriteOutcome Outcome, RoleRecord? Role)> SetSourceAsync(
        Caller caller, ProjectId project, RoleId id, string providerId, string sourceId, CancellationToken cancellationToken)
    {
        var result = await roles.SetSourceAsync(project, id, providerId, sourceId, cancellationToken);
        audit.Change(caller, "update-role-source-system", $"role:{id} project:{project}", Describe(result.Outcome));
        return result;
    }

    public async Task<bool> DeleteAsync(Caller caller, ProjectId project, RoleId id, CancellationToken cancellationToken)
    {
        var deleted = await roles.DeleteAsync(project, id, cancellationToken);
        audit.Change(caller, "delete-role", $"role:{id} project:{project}", deleted ? "done" : "not-found");
        return deleted;
    }

    public async Task<MembershipResult> AddMembersAsync(
        Caller caller, ProjectId project, RoleId role, IReadOnlyList<UserId> users, IReadOnlyList<RoleId> memberRoles, CancellationToken cancellationToken)
    {
        var result = await roles.AddMembersAsync(project, role, users, memberRoles, settings.MaxRoleNestingDepth, cancellationToken);
        audit.Change(caller, "add-role-members", $"role:{role} project:{project} users:{users.Count} roles:{memberRoles.Count}",
            result.Outcome == MembershipOutcome.Added ? "done" : result.Outcome.ToString());
        return result;
    }

    public async Task<bool> RemoveMemberAsync(
        Caller caller, ProjectId project, RoleId role, RoleMemberType type, string memberId, CancellationToken cancellationToken)
    {
        var found = await roles.RemoveMemberAsync(project, role, type, memberId, cancellationToken);
        audit.Change(caller, "remove-role-member", $"role:{role} project:{project} {(type == RoleMemberType.User ? "user" : "role")}:{memberId}",
            found ? "done" : "not-found");
        return found;
    }

    /// <summary>Makes the user's token-made memberships match its roles claim (see <see cref="RoleRepository.SyncTokenRolesAsync"/>).</summary>
    internal Task<bool> SyncTokenRolesAsync(AuthenticatedUser user, CancellationToken cancellationToken) =>
        roles.SyncTokenRolesAsync(user.Id, user.ProviderId, user.TokenRoles, cancellationToken);

    private static string Describe(RoleWriteOutcome outcome) => outcome == RoleWriteOutcome.Done ? "done" : outcome.ToString();
}
