using Lakekeeper.Authz;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Authentication;
using Lakekeeper.Security.Identity;
using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management.Identity;

/// <summary>
/// Roles of a project (<c>x-project-id</c>, else the default project) and their members. A role of
/// another project is "not found" here, whoever asks; only <c>/role/{id}/metadata</c> reads across
/// projects.
/// </summary>
internal static class RolesApi
{
    private const int SearchLimit = 10;

    public static void MapRolesApi(this RouteGroupBuilder management)
    {
        management.MapGet("/role", ListRoles).Produces<ListRolesResponse>()
            .WithMetadata(QueryParameters.Paged, new QueryParameters("projectId", "roleIds", "sourceIds", "providerIds")).WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("list_roles").WithSummary("List the project's roles");
        management.MapPost("/role", CreateRole).Accepts<CreateRoleRequest>("application/json").Produces<RoleResponse>(201).WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("create_role").WithSummary("Create a role");
        management.MapGet("/role/{role_id:guid}", GetRole).Produces<RoleResponse>().WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("get_role").WithSummary("Get a role");
        management.MapPost("/role/{role_id:guid}", UpdateRole).Accepts<UpdateRoleRequest>("application/json").Produces<RoleResponse>().WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("update_role").WithSummary("Update a role");
        management.MapDelete("/role/{role_id:guid}", DeleteRole).Produces(204).WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("delete_role").WithSummary("Delete a role");
        management.MapGet("/role/{role_id:guid}/metadata", GetRoleMetadata).Produces<RoleMetadata>().WithTags("role").WithName("get_role_metadata").WithSummary("A role's metadata (any caller)");
        management.MapPut("/role/{role_id:guid}/source-system", SetSourceSystem).Accepts<UpdateRoleSourceSystemRequest>("application/json").Produces<RoleResponse>()
            .WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("update_role_source_system").WithSummary("Set the role's provider and source ids");
        management.MapGet("/role/{role_id:guid}/members", (HttpContext c, ICallerAccessor a, IAuthorizer z, RoleRepository r, [FromRoute(Name = "role_id")] Guid roleId) => ListMembers(c, a, z, r, roleId, false))
            .Produces<ListRoleMembersResponse>().WithMetadata(ProjectScoped.Instance, QueryParameters.Paged, new QueryParameters("type")).WithTags("role").WithName("list_role_members").WithSummary("Direct members of a role");
        management.MapGet("/role/{role_id:guid}/members/transitive", (HttpContext c, ICallerAccessor a, IAuthorizer z, RoleRepository r, [FromRoute(Name = "role_id")] Guid roleId) => ListMembers(c, a, z, r, roleId, true))
            .Produces<ListRoleMembersResponse>().WithMetadata(ProjectScoped.Instance, QueryParameters.Paged, new QueryParameters("type")).WithTags("role").WithName("list_role_transitive_members").WithSummary("Members of a role, directly or through other roles");
        management.MapPost("/role/{role_id:guid}/members", AddMembers).Accepts<AddRoleMembersRequest>("application/json").Produces<AddRoleMembersResponse>()
            .WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("add_role_members").WithSummary("Add users or roles to a role");
        management.MapDelete("/role/{role_id:guid}/members/{member_type}/{member_id}", RemoveMember).Produces(204)
            .WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("remove_role_member").WithSummary("Remove a member from a role");
        management.MapGet("/role/{role_id:guid}/member-of", (HttpContext c, ICallerAccessor a, IAuthorizer z, RoleRepository r, [FromRoute(Name = "role_id")] Guid roleId) => ListMemberOf(c, a, z, r, roleId, false))
            .Produces<ListRoleMembershipsResponse>().WithMetadata(ProjectScoped.Instance, QueryParameters.Paged).WithTags("role").WithName("list_role_member_of").WithSummary("Roles this role is a direct member of");
        management.MapGet("/role/{role_id:guid}/member-of/transitive", (HttpContext c, ICallerAccessor a, IAuthorizer z, RoleRepository r, [FromRoute(Name = "role_id")] Guid roleId) => ListMemberOf(c, a, z, r, roleId, true))
            .Produces<ListRoleMembershipsResponse>().WithMetadata(ProjectScoped.Instance, QueryParameters.Paged).WithTags("role").WithName("list_role_transitive_member_of").WithSummary("Roles this role belongs to, directly or through other roles");
        management.MapPost("/search/role", SearchRoles).Accepts<SearchRequest>("application/json").Produces<SearchRoleResponse>()
            .WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("search_role").WithSummary("Search the project's roles by name");
    }

    private static async Task<IResult> ListRoles(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleRepository roles)
    {
        var query = context.Request.Query;
        if (!IdentityHttp.TryPaging(context.Request, out var after, out var pageSize, out var scope, out var error)
            || !IdentityHttp.TryProject(context, query["projectId"].ToString(), out var project, out error))
        {
            return error!;
        }

        var ids = new List<Guid>();
        foreach (var value in query["roleIds"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!Guid.TryParse(value, out var id))
            {
                return ErrorResponse.BadRequest("roleIds must be role ids (UUIDs)").ToResult();
            }

            ids.Add(id);
        }

        if (await DenyProjectAsync(authorizer, callers.Current, project, IdentityActions.CanListRoles, context.RequestAborted) is { } projectDenied)
        {
            return projectDenied;
        }

        var filter = new RoleFilter(ids, Split(query["sourceIds"]), Split(query["providerIds"]));
        var page = await roles.ListAsync(project, filter, after, pageSize, context.RequestAborted);
        var visible = await VisibleAsync(authorizer, callers.Current, page.Items, context.RequestAborted);
        return TypedResults.Json(new ListRolesResponse([.. visible.Select(RoleResponse.From)], ManagementPaging.Next(scope, page.NextKey)), IdentityJson.Default.ListRolesResponse);
    }

    private static async Task<IResult> CreateRole(
        HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleService service, Lakekeeper.Authz.Hygiene.AuthzOutbox outbox)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.CreateRoleRequest);
        if (body is null)
        {
            return error!;
        }

        if (!IdentityHttp.TryProject(context, body.ProjectId, out var project, out error))
        {
            return error!;
        }

        if (!IdentityHttp.ValidName(body.Name))
        {
            return ErrorResponse.BadRequest($"name is required: 1 to {IdentityHttp.MaxNameLength} characters without control characters").ToResult();
        }

        if (body.Description is { Length: > 4096 })
        {
            return ErrorResponse.BadRequest("description must be at most 4096 characters").ToResult();
        }

        if ((body.ProviderId is null) != (body.SourceId is null))
        {
            return ErrorResponse.BadRequest("provider-id and source-id go together: give both or neither").ToResult();
        }

        if (body.ProviderId is not null && SourceError(body.ProviderId, body.SourceId!) is { } sourceError)
        {
            return sourceError;
        }

        var caller = callers.Current;
        if (await DenyProjectAsync(authorizer, caller, project, IdentityActions.CanCreateRole, context.RequestAborted) is { } denied)
        {
            return denied;
        }

        var (outcome, role) = await service.CreateAsync(caller, project, body.Name!, body.Description, body.ProviderId, body.SourceId, context.RequestAborted);
        if (outcome == RoleWriteOutcome.Done)
        {
            // The role belongs to its project (security admins manage it); its creator owns it.
            var self = AuthzObject.Role(role!.Id.ToString());
            await outbox.RecordAndDeliverAsync(new Lakekeeper.Authz.Hygiene.TupleChanges()
                .Write([new Relationship(AuthzSubject.Of(AuthzObject.Project(project.ToString())), "project", self)])
                .Own(self, IdentityHttp.ToPrincipal(caller)), context.RequestAborted);
        }

        return outcome switch
        {
            RoleWriteOutcome.Done => TypedResults.Json(RoleResponse.From(role!), IdentityJson.Default.RoleResponse, statusCode: 201),
            RoleWriteOutcome.NameTaken => ManagementErrors.Conflict($"A role named '{body.Name}' already exists in project {project}").ToResult(),
            RoleWriteOutcome.IdentTaken => ManagementErrors.Conflict($"A role with ident '{body.ProviderId}~{body.SourceId}' already exists in project {project}").ToResult(),
            _ => ManagementErrors.NoSuchProject(project.Value).ToResult(),
        };
    }

    private static async Task<IResult> GetRole(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleRepository roles, [FromRoute(Name = "role_id")] Guid roleId)
    {
        if (!IdentityHttp.TryProject(context, null, out var project, out var error))
        {
            return error!;
        }

        var role = await roles.GetAsync(project, new RoleId(roleId), context.RequestAborted);
        return role is null || !await CheckRoleAsync(authorizer, callers.Current, roleId, IdentityActions.CanRead, context.RequestAborted)
            ? IdentityHttp.NoSuchRole(roleId).ToResult()
            : TypedResults.Json(RoleResponse.From(role), IdentityJson.Default.RoleResponse);
    }

    private static async Task<IResult> GetRoleMetadata(HttpContext context, RoleRepository roles, [FromRoute(Name = "role_id")] Guid roleId)
    {
        var role = await roles.GetAnyAsync(new RoleId(roleId), context.RequestAborted);
        return role is null
            ? IdentityHttp.NoSuchRole(roleId).ToResult()
            : TypedResults.Json(new RoleMetadata(role.Id.Value, role.Ident, role.ProviderId, role.SourceId, role.Name, role.ProjectId.Value), IdentityJson.Default.RoleMetadata);
    }

    private static async Task<IResult> UpdateRole(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleService service, [FromRoute(Name = "role_id")] Guid roleId)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.UpdateRoleRequest);
        if (body is null)
        {
            return error!;
        }

        if (!IdentityHttp.TryProject(context, null, out var project, out error))
        {
            return error!;
        }

        if (!IdentityHttp.ValidName(body.Name))
        {
            return ErrorResponse.BadRequest($"name is required: 1 to {IdentityHttp.MaxNameLength} characters without control characters").ToResult();
        }

        if (body.Description is { Length: > 4096 })
        {
            return ErrorResponse.BadRequest("description must be at most 4096 characters").ToResult();
        }

        var caller = callers.Current;
        if (await DenyRoleAsync(authorizer, caller, roleId, IdentityActions.CanUpdate, context.RequestAborted) is { } roleDenied)
        {
            return roleDenied;
        }

        var (outcome, role) = await service.UpdateAsync(caller, project, new RoleId(roleId), body.Name!, body.Description, context.RequestAborted);
        return outcome switch
        {
            RoleWriteOutcome.Done => TypedResults.Json(RoleResponse.From(role!), IdentityJson.Default.RoleResponse),
            RoleWriteOutcome.NameTaken => ManagementErrors.Conflict($"A role named '{body.Name}' already exists in project {project}").ToResult(),
            _ => IdentityHttp.NoSuchRole(roleId).ToResult(),
        };
    }

    private static async Task<IResult> SetSourceSystem(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleService service, [FromRoute(Name = "role_id")] Guid roleId)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.UpdateRoleSourceSystemRequest);
        if (body is null)
        {
            return error!;
        }

        if (!IdentityHttp.TryProject(context, null, out var project, out error))
        {
            return error!;
        }

        if (body.ProviderId is null || body.SourceId is null)
        {
            return ErrorResponse.BadRequest("provider-id and source-id are required").ToResult();
        }

        if (SourceError(body.ProviderId, body.SourceId) is { } sourceError)
        {
            return sourceError;
        }

        var caller = callers.Current;
        if (await DenyRoleAsync(authorizer, caller, roleId, IdentityActions.CanUpdate, context.RequestAborted) is { } roleDenied)
        {
            return roleDenied;
        }

        var (outcome, role) = await service.SetSourceAsync(caller, project, new RoleId(roleId), body.ProviderId, body.SourceId, context.RequestAborted);
        return outcome switch
        {
            RoleWriteOutcome.Done => TypedResults.Json(RoleResponse.From(role!), IdentityJson.Default.RoleResponse),
            RoleWriteOutcome.IdentTaken => ManagementErrors.Conflict($"A role with ident '{body.ProviderId}~{body.SourceId}' already exists in project {project}").ToResult(),
            _ => IdentityHttp.NoSuchRole(roleId).ToResult(),
        };
    }

    private static async Task<IResult> DeleteRole(
        HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleService service, Lakekeeper.Authz.Hygiene.AuthzOutbox outbox, [FromRoute(Name = "role_id")] Guid roleId)
    {
        if (!IdentityHttp.TryProject(context, null, out var project, out var error))
        {
            return error!;
        }

        var caller = callers.Current;
        if (await DenyRoleAsync(authorizer, caller, roleId, IdentityActions.CanDelete, context.RequestAborted) is { } roleDenied)
        {
            return roleDenied;
        }

        if (!await service.DeleteAsync(caller, project, new RoleId(roleId), context.RequestAborted))
        {
            return IdentityHttp.NoSuchRole(roleId).ToResult();
        }

        // Its members and ownership go; grants naming its assignees elsewhere reach nobody any more.
        await outbox.RecordAndDeliverAsync(new Lakekeeper.Authz.Hygiene.TupleChanges().Purge(AuthzObject.Role(roleId.ToString())), context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ListMembers(
        HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleRepository roles, Guid roleId, bool transitive)
    {
        if (!IdentityHttp.TryPaging(context.Request, out var after, out var pageSize, out var scope, out var error)
            || !IdentityHttp.TryProject(context, null, out var project, out error))
        {
            return error!;
        }

        RoleMemberType? type = context.Request.Query["type"].ToString() switch
        {
            "" => null,
            "user" => RoleMemberType.User,
            "role" => RoleMemberType.Role,
            _ => (RoleMemberType)(-1),
        };
        if (type is (RoleMemberType)(-1))
        {
            return ErrorResponse.BadRequest("type must be 'user' or 'role'").ToResult();
        }

        if (await DenyRoleAsync(authorizer, callers.Current, roleId, IdentityActions.CanReadAssignments, context.RequestAborted) is { } roleDenied)
        {
            return roleDenied;
        }

        var depth = transitive ? RoleLimits.TransitiveDepth(context) : 1;
        var page = await roles.ListMembersAsync(project, new RoleId(roleId), type, depth, after, pageSize, context.RequestAborted);
        return page is null
            ? IdentityHttp.NoSuchRole(roleId).ToResult()
            : TypedResults.Json(new ListRoleMembersResponse([.. page.Items.Select(RoleMember.From)], ManagementPaging.Next(scope, page.NextKey)), IdentityJson.Default.ListRoleMembersResponse);
    }

    private static async Task<IResult> ListMemberOf(
        HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleRepository roles, Guid roleId, bool transitive)
    {
        if (!IdentityHttp.TryPaging(context.Request, out var after, out var pageSize, out var scope, out var error)
            || !IdentityHttp.TryProject(context, null, out var project, out error))
        {
            return error!;
        }

        if (!await CheckRoleAsync(authorizer, callers.Current, roleId, IdentityActions.CanRead, context.RequestAborted))
        {
            return IdentityHttp.NoSuchRole(roleId).ToResult();
        }

        var depth = transitive ? RoleLimits.TransitiveDepth(context) : 1;
        var page = await roles.ListMemberOfAsync(project, new RoleId(roleId), depth, after, pageSize, context.RequestAborted);
        return page is null
            ? IdentityHttp.NoSuchRole(roleId).ToResult()
            : TypedResults.Json(new ListRoleMembershipsResponse([.. page.Items.Select(RoleMembership.From)], ManagementPaging.Next(scope, page.NextKey)),
                IdentityJson.Default.ListRoleMembershipsResponse);
    }

    private static async Task<IResult> AddMembers(
        HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleService service, Lakekeeper.Authz.Hygiene.AuthzOutbox outbox, [FromRoute(Name = "role_id")] Guid roleId)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.AddRoleMembersRequest);
        if (body is null)
        {
            return error!;
        }

        if (!IdentityHttp.TryProject(context, null, out var project, out error))
        {
            return error!;
        }

        if (body.Members is null || body.Members.Count is 0 or > 1000)
        {
            return ErrorResponse.BadRequest("members is required: 1 to 1000 members").ToResult();
        }

        var users = new List<UserId>();
        var memberRoles = new List<RoleId>();
        foreach (var member in body.Members)
        {
            switch (member?.Type)
            {
                case "user" when UserId.IsValid(member.Id):
                    users.Add(new UserId(member.Id!));
                    break;
                case "role" when Guid.TryParse(member.Id, out var memberRole):
                    memberRoles.Add(new RoleId(memberRole));
                    break;
                default:
                    return ErrorResponse.BadRequest("each member is {\"type\":\"user\",\"id\":\"<provider>~<subject>\"} or {\"type\":\"role\",\"id\":\"<role id>\"}").ToResult();
            }
        }

        var caller = callers.Current;
        if (await DenyRoleAsync(authorizer, caller, roleId, IdentityActions.CanGrantAssignee, context.RequestAborted) is { } roleDenied)
        {
            return roleDenied;
        }

        var result = await service.AddMembersAsync(caller, project, new RoleId(roleId), users, memberRoles, context.RequestAborted);
        if (result.Outcome == MembershipOutcome.Added)
        {
            // Members are the role's assignees in the model: users, and the assignees of member roles.
            var self = AuthzObject.Role(roleId.ToString());
            await outbox.RecordAndDeliverAsync(new Lakekeeper.Authz.Hygiene.TupleChanges().Write(
                [.. users.Distinct().Select(u => new Relationship(AuthzSubject.User(u.Value), Relations.Assignee, self)),
                    .. memberRoles.Distinct().Select(r => new Relationship(AuthzSubject.RoleAssignees(r.ToString()), Relations.Assignee, self))]),
                context.RequestAborted);
        }

        return result.Outcome switch
        {
            MembershipOutcome.Added => TypedResults.Json(
                new AddRoleMembersResponse([.. users.Distinct().Select(u => new RoleMemberRef("user", u.Value)), .. memberRoles.Distinct().Select(r => new RoleMemberRef("role", r.ToString()))]),
                IdentityJson.Default.AddRoleMembersResponse),
            MembershipOutcome.RoleNotFound => IdentityHttp.NoSuchRole(roleId).ToResult(),
            MembershipOutcome.UserNotFound => IdentityHttp.NoSuchUser(result.Member!).ToResult(),
            MembershipOutcome.MemberRoleNotFound => IdentityHttp.NoSuchRole(Guid.Parse(result.Member!)).ToResult(),
            MembershipOutcome.Cycle => ErrorResponse.BadRequest(
                $"Role {result.Member} cannot become a member of role {roleId}: role {roleId} is already (transitively) a member of it, which would make a cycle").ToResult(),
            _ => ErrorResponse.BadRequest(
                $"Adding role {result.Member} to role {roleId} would nest roles {result.Depth} deep; the limit is {service.MaxNestingDepth} (LAKEKEEPER__ROLE__MAX_NESTING_DEPTH)").ToResult(),
        };
    }

    private static async Task<IResult> RemoveMember(
        HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleService service, Lakekeeper.Authz.Hygiene.AuthzOutbox outbox, [FromRoute(Name = "role_id")] Guid roleId,
        [FromRoute(Name = "member_type")] string memberType, [FromRoute(Name = "member_id")] string memberId)
    {
        if (!IdentityHttp.TryProject(context, null, out var project, out var error))
        {
            return error!;
        }

        RoleMemberType type;
        switch (memberType)
        {
            case "user":
                type = RoleMemberType.User;
                break;
            case "role" when Guid.TryParse(memberId, out _):
                type = RoleMemberType.Role;
                break;
            default:
                return ErrorResponse.BadRequest("the member is /user/<user id> or /role/<role id>").ToResult();
        }

        var caller = callers.Current;
        if (await DenyRoleAsync(authorizer, caller, roleId, IdentityActions.CanGrantAssignee, context.RequestAborted) is { } roleDenied)
        {
            return roleDenied;
        }

        if (!await service.RemoveMemberAsync(caller, project, new RoleId(roleId), type, memberId, context.RequestAborted))
        {
            return IdentityHttp.NoSuchRole(roleId).ToResult();
        }

        var member = type == RoleMemberType.User ? AuthzSubject.User(memberId) : AuthzSubject.RoleAssignees(Guid.Parse(memberId).ToString());
        await outbox.RecordAndDeliverAsync(new Lakekeeper.Authz.Hygiene.TupleChanges()
            .Delete([new Relationship(member, Relations.Assignee, AuthzObject.Role(roleId.ToString()))]), context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SearchRoles(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleRepository roles)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.SearchRequest);
        if (body is null)
        {
            return error!;
        }

        if (!IdentityHttp.TryProject(context, body.ProjectId, out var project, out error))
        {
            return error!;
        }

        if (string.IsNullOrWhiteSpace(body.Search))
        {
            return ErrorResponse.BadRequest("search is required").ToResult();
        }

        if (await DenyProjectAsync(authorizer, callers.Current, project, IdentityActions.CanSearchRoles, context.RequestAborted) is { } projectDenied)
        {
            return projectDenied;
        }

        var found = await roles.SearchAsync(project, body.Search.Trim(), Math.Clamp(body.PageSize ?? SearchLimit, 1, 100), context.RequestAborted);
        var visible = await VisibleAsync(authorizer, callers.Current, found, context.RequestAborted);
        return TypedResults.Json(new SearchRoleResponse([.. visible.Select(RoleResponse.From)]), IdentityJson.Default.SearchRoleResponse);
    }

    /// <summary>The roles of a listing the caller may see (one batch check for the page).</summary>
    private static async Task<IReadOnlyList<RoleRecord>> VisibleAsync(IAuthorizer authorizer, Caller caller, IReadOnlyList<RoleRecord> roles, CancellationToken cancellationToken)
    {
        if (roles.Count == 0)
        {
            return roles;
        }

        var allowed = await authorizer.BatchCheckAsync(IdentityHttp.ToPrincipal(caller),
            [.. roles.Select(r => new CheckItem(AuthzObject.Role(r.Id.ToString()), IdentityActions.CanRead))], cancellationToken);
        return [.. roles.Where((_, i) => allowed[i])];
    }

    private static IResult? SourceError(string providerId, string sourceId)
    {
        if (providerId.Length is 0 or > 128 || providerId.Contains('~', StringComparison.Ordinal) || providerId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return ErrorResponse.BadRequest("provider-id must be 1 to 128 characters without '~', whitespace or control characters").ToResult();
        }

        return sourceId.Length is 0 or > 512 || sourceId.Any(char.IsControl)
            ? ErrorResponse.BadRequest("source-id must be 1 to 512 characters without control characters").ToResult()
            : null;
    }

    private static List<string> Split(Microsoft.Extensions.Primitives.StringValues values) =>
        [.. values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    private static ValueTask<bool> CheckProjectAsync(IAuthorizer authorizer, Caller caller, ProjectId project, string action, CancellationToken cancellationToken) =>
        authorizer.CheckAsync(IdentityHttp.ToPrincipal(caller), AuthzObject.Project(project.ToString()), action, cancellationToken);

    /// <summary>
    /// The visibility rule for a role: null when the caller may; 404 (as if missing) when it may not even
    /// read the role (a role of another project, say); else 403.
    /// </summary>
    private static async Task<IResult?> DenyRoleAsync(IAuthorizer authorizer, Caller caller, Guid role, string action, CancellationToken cancellationToken)
    {
        if (await CheckRoleAsync(authorizer, caller, role, action, cancellationToken))
        {
            return null;
        }

        return action != IdentityActions.CanRead && await CheckRoleAsync(authorizer, caller, role, IdentityActions.CanRead, cancellationToken)
            ? IdentityHttp.Forbidden(action).ToResult()
            : IdentityHttp.NoSuchRole(role).ToResult();
    }

    /// <summary>The visibility rule for the project of a listing: null, 403 when the caller sees the project, else 404.</summary>
    internal static async Task<IResult?> DenyProjectAsync(IAuthorizer authorizer, Caller caller, ProjectId project, string action, CancellationToken cancellationToken)
    {
        if (await CheckProjectAsync(authorizer, caller, project, action, cancellationToken))
        {
            return null;
        }

        return await CheckProjectAsync(authorizer, caller, project, Relations.CanGetMetadata, cancellationToken)
            ? IdentityHttp.Forbidden(action).ToResult()
            : ManagementErrors.NoSuchProject(project.Value);
    }

    private static ValueTask<bool> CheckRoleAsync(IAuthorizer authorizer, Caller caller, Guid role, string action, CancellationToken cancellationToken) =>
        authorizer.CheckAsync(IdentityHttp.ToPrincipal(caller), AuthzObject.Role(role.ToString()), action, cancellationToken);
}

/// <summary>How deep the transitive listings look: the nesting limit (plus one, for the edge that reached it).</summary>
internal static class RoleLimits
{
    public static int TransitiveDepth(HttpContext context) =>
        context.RequestServices.GetRequiredService<AuthenticationSettings>().MaxRoleNestingDepth + 1;
}
