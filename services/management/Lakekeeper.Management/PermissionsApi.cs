using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Management;

/// <summary>
/// Lakekeeper's permissions API (tag <c>permissions-openfga</c>) under <c>/management/v1/permissions</c>:
/// assignments (read, write and delete grants), the caller's (or another principal's) authorizer
/// actions, and managed access. A grant needs the model's <c>can_grant_&lt;relation&gt;</c> (or
/// <c>can_change_ownership</c>) on the object: a privilege held without <c>pass_grants</c> cannot be
/// passed on (403). Objects the caller cannot see are 404 with the body of a missing one.
/// </summary>
internal static class PermissionsApi
{
    private const string Tag = "permissions-openfga";

    private static readonly AuthzResourceKind Server = new(ObjectTypes.Server, ["admin", "operator"], "server");
    private static readonly AuthzResourceKind Project = new(ObjectTypes.Project,
        ["project_admin", "security_admin", "data_admin", "role_creator", "describe", "select", "create", "modify"], "project");
    private static readonly AuthzResourceKind Role = new(ObjectTypes.Role, ["assignee", "ownership"], "role");
    private static readonly AuthzResourceKind Warehouse = new(ObjectTypes.Warehouse,
        ["ownership", "pass_grants", "manage_grants", "describe", "select", "create", "modify"], "warehouse");
    private static readonly AuthzResourceKind Namespace = Warehouse with { Type = ObjectTypes.Namespace, Noun = "namespace" };
    private static readonly AuthzResourceKind Table = new(ObjectTypes.Table,
        ["ownership", "pass_grants", "manage_grants", "describe", "select", "modify"], "table");
    private static readonly AuthzResourceKind View = Table with { Type = ObjectTypes.View, Noun = "view" };

    public static void MapPermissionsApi(this RouteGroupBuilder management)
    {
        var permissions = management.MapGroup("/permissions");
        Map(permissions, "/server", Server, "server", "the server", static _ => AuthzObject.Server(AuthzHierarchy.ServerId));
        Map(permissions, "/project", Project, "project", "the current project (x-project-id)",
            static c => ProjectsApi.TryCurrent(c, out var p) ? AuthzObject.Project(p.ToString()) : null, projectScoped: true);
        Map(permissions, "/project/{project_id:guid}", Project, "project_by_id", "a project", static c => AuthzObject.Project(Id(c, "project_id")));
        Map(permissions, "/role/{role_id:guid}", Role, "role", "a role", static c => AuthzObject.Role(Id(c, "role_id")));
        Map(permissions, "/warehouse/{warehouse_id:guid}", Warehouse, "warehouse", "a warehouse", static c => AuthzObject.Warehouse(Id(c, "warehouse_id")));
        Map(permissions, "/namespace/{namespace_id:guid}", Namespace, "namespace", "a namespace", static c => AuthzObject.Namespace(Id(c, "namespace_id")));
        Map(permissions, "/warehouse/{warehouse_id:guid}/table/{table_id:guid}", Table, "table", "a table", static c => AuthzObject.Table(Id(c, "table_id")));
        Map(permissions, "/warehouse/{warehouse_id:guid}/view/{view_id:guid}", View, "view", "a view", static c => AuthzObject.View(Id(c, "view_id")));
        permissions.MapPost("/warehouse/{warehouse_id:guid}/managed-access",
                (HttpContext c, IAuthorizer a, ManagementAccess m, [FromRoute(Name = "warehouse_id")] Guid id) =>
                SetManagedAccess(c, a, m, Warehouse, AuthzObject.Warehouse(id.ToString())))
            .Accepts<SetManagedAccessRequest>("application/json")
            .WithTags(Tag).WithName("set_warehouse_managed_access").WithSummary("Turn managed access of a warehouse on or off");
        permissions.MapPost("/namespace/{namespace_id:guid}/managed-access",
                (HttpContext c, IAuthorizer a, ManagementAccess m, [FromRoute(Name = "namespace_id")] Guid id) =>
                SetManagedAccess(c, a, m, Namespace, AuthzObject.Namespace(id.ToString())))
            .Accepts<SetManagedAccessRequest>("application/json")
            .WithTags(Tag).WithName("set_namespace_managed_access").WithSummary("Turn managed access of a namespace on or off");
        permissions.MapGet("/warehouse/{warehouse_id:guid}",
                (HttpContext c, IAuthorizer a, ManagementAccess m, [FromRoute(Name = "warehouse_id")] Guid id) =>
                GetManagedAccess(c, a, m, Warehouse, AuthzObject.Warehouse(id.ToString())))
            .WithTags(Tag).WithName("get_warehouse_managed_access").WithSummary("Whether managed access is on for a warehouse");
        permissions.MapGet("/namespace/{namespace_id:guid}",
                (HttpContext c, IAuthorizer a, ManagementAccess m, [FromRoute(Name = "namespace_id")] Guid id) =>
                GetManagedAccess(c, a, m, Namespace, AuthzObject.Namespace(id.ToString())))
            .WithTags(Tag).WithName("get_namespace_managed_access").WithSummary("Whether managed access is on for a namespace, or inherited");
    }

    private static void Map(
        RouteGroupBuilder permissions, string prefix, AuthzResourceKind kind, string name, string what, Func<HttpContext, AuthzObject?> target,
        bool projectScoped = false)
    {
        IEndpointConventionBuilder[] endpoints =
        [
            permissions.MapGet(prefix + "/assignments",
                    (HttpContext c, IAuthorizer a, ManagementAccess m, [FromQuery] string[]? relations) => GetAssignments(c, a, m, kind, target(c), relations))
                .WithName($"get_{name}_assignments").WithSummary($"The assignments (grants) on {what}"),
            permissions.MapPost(prefix + "/assignments", (HttpContext c, IAuthorizer a, ManagementAccess m) => UpdateAssignments(c, a, m, kind, target(c)))
                .Accepts<UpdatePermissionsRequest>("application/json")
                .WithName($"update_{name}_assignments").WithSummary($"Write and delete assignments (grants) on {what}"),
            permissions.MapGet(prefix + "/authorizer-actions",
                    (HttpContext c, IAuthorizer a, ManagementAccess m, string? principalUser, string? principalRole) =>
                    GetActions(c, a, m, kind, target(c), principalUser, principalRole))
                .WithName($"get_{name}_authorizer_actions").WithSummary($"The authorizer actions the caller (or principalUser) may perform on {what}"),
            // Deprecated in Lakekeeper in favour of authorizer-actions; the same answer.
            permissions.MapGet(prefix + "/access",
                    (HttpContext c, IAuthorizer a, ManagementAccess m, string? principalUser, string? principalRole) =>
                    GetActions(c, a, m, kind, target(c), principalUser, principalRole))
                .WithName($"get_{name}_access").WithSummary($"The authorizer actions on {what} (deprecated: use authorizer-actions)"),
        ];
        var routeValues = new PathParameters([.. System.Text.RegularExpressions.Regex.Matches(prefix, @"\{([a-z_]+):guid\}").Select(static m => m.Groups[1].Value)]);
        foreach (var endpoint in endpoints)
        {
            endpoint.WithTags(Tag).WithMetadata(routeValues);
            if (projectScoped)
            {
                endpoint.WithMetadata(ProjectScoped.Instance);
            }
        }
    }

    private static string Id(HttpContext context, string name) => Guid.Parse((string)context.Request.RouteValues[name]!).ToString();

    private static async Task<Results<Ok<GetPermissionsResponse>, ApiError>> GetAssignments(
        HttpContext context, IAuthorizer authorizer, ManagementAccess access, AuthzResourceKind kind, AuthzObject? target, string[]? relations)
    {
        if (target is not { } self)
        {
            return BadProjectHeader();
        }

        if (await access.RequireAsync(self, "can_read_assignments", kind.NotFound(self), context.RequestAborted) is { } denied)
        {
            return denied;
        }

        var wanted = (relations ?? []).SelectMany(static v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        if (wanted.FirstOrDefault(r => !kind.Relations.Contains(r, StringComparer.Ordinal)) is { } unknown)
        {
            return ManagementErrors.BadRequest($"relations: '{unknown}' is not a relation of a {kind.Noun}; use {string.Join(", ", kind.Relations)}");
        }

        var assignments = new List<Relationship>();
        string? token = null;
        do
        {
            var page = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(self, PageSize: 1000, PageToken: token), context.RequestAborted);
            assignments.AddRange(page.Relationships.Where(r => kind.Relations.Contains(r.Relation, StringComparer.Ordinal)
                && (wanted.Count == 0 || wanted.Contains(r.Relation))
                && (r.Subject is { Type: ObjectTypes.User, Relation: null or "" } || r.Subject is { Type: ObjectTypes.Role, Relation: Relations.Assignee })
                && r.Subject.Id != "*"));
            token = page.NextPageToken;
        }
        while (token is not null);

        return TypedResults.Ok(new GetPermissionsResponse([.. assignments
            .OrderBy(static r => r.Relation, StringComparer.Ordinal).ThenBy(static r => r.Subject.Id, StringComparer.Ordinal)
            .Select(static r => r.Subject.Type == ObjectTypes.User
                ? new PermissionAssignment(r.Relation, r.Subject.Id, null)
                : new PermissionAssignment(r.Relation, null, r.Subject.Id))]));
    }

    private static async Task<Results<NoContent, ApiError>> UpdateAssignments(
        HttpContext context, IAuthorizer authorizer, ManagementAccess access, AuthzResourceKind kind, AuthzObject? target)
    {
        if (target is not { } self)
        {
            return BadProjectHeader();
        }

        var (body, bodyError) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.UpdatePermissionsRequest);
        if (body is null)
        {
            return bodyError!;
        }

        var writes = ParseAssignments(body.Writes, "writes", kind, self, out var writeError);
        var deletes = ParseAssignments(body.Deletes, "deletes", kind, self, out var deleteError);
        if ((writeError ?? deleteError) is { } invalid)
        {
            return ManagementErrors.BadRequest(invalid);
        }

        if (writes!.Count + deletes!.Count > 100)
        {
            return ManagementErrors.BadRequest("At most 100 assignments may be written and deleted in one request");
        }

        // The caller needs the right to grant each relation touched (writes and deletes alike).
        foreach (var relation in writes.Concat(deletes).Select(static r => r.Relation).Distinct(StringComparer.Ordinal))
        {
            if (await access.RequireAsync(self, kind.GrantAction(relation), kind.NotFound(self), context.RequestAborted) is { } denied)
            {
                return denied;
            }
        }

        if (deletes.Count > 0)
        {
            await authorizer.DeleteRelationshipsAsync(deletes, context.RequestAborted);
        }

        if (writes.Count > 0)
        {
            await authorizer.WriteRelationshipsAsync(writes, context.RequestAborted);
        }

        return TypedResults.NoContent();
    }

    private static List<Relationship>? ParseAssignments(
        IReadOnlyList<PermissionAssignment?>? items, string property, AuthzResourceKind kind, AuthzObject target, out string? error)
    {
        error = null;
        var list = new List<Relationship>();
        foreach (var item in items ?? [])
        {
            var (type, user, role) = (item?.Type, item?.User, item?.Role);
            if (type is null || !kind.Relations.Contains(type, StringComparer.Ordinal))
            {
                error = $"{property}: each assignment needs a 'type', one of {string.Join(", ", kind.Relations)}";
                return null;
            }

            if ((user is null) == (role is null))
            {
                error = $"{property}: each assignment names exactly one of 'user' and 'role'";
                return null;
            }

            if (role is not null && !Guid.TryParse(role, out _))
            {
                error = $"{property}: 'role' must be a role id (UUID)";
                return null;
            }

            if (user is not null && (user.Length is 0 or > 512 || user == "*" || user.Any(static c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '#')))
            {
                error = $"{property}: 'user' must be a user id of 1 to 512 characters without whitespace or '#'";
                return null;
            }

            // A role's assignees may be users and other roles' assignees, but not the role itself.
            if (role is not null && kind.Type == ObjectTypes.Role && Guid.Parse(role).ToString() == target.Id)
            {
                error = $"{property}: a role cannot be assigned to itself";
                return null;
            }

            var subject = user is not null ? AuthzSubject.User(user) : AuthzSubject.RoleAssignees(Guid.Parse(role!).ToString());
            list.Add(new Relationship(subject, type, target));
        }

        return list;
    }

    private static async Task<Results<Ok<GetAuthorizerActionsResponse>, ApiError>> GetActions(
        HttpContext context, IAuthorizer authorizer, ManagementAccess access, AuthzResourceKind kind, AuthzObject? target, string? principalUser, string? principalRole)
    {
        if (target is not { } self)
        {
            return BadProjectHeader();
        }

        var (user, role) = (principalUser ?? "", principalRole ?? "");
        var principal = access.Caller;
        if (user.Length > 0 || role.Length > 0)
        {
            if (user.Length > 0 && role.Length > 0)
            {
                return ManagementErrors.BadRequest("principalUser and principalRole exclude each other");
            }

            if (role.Length > 0 && !Guid.TryParse(role, out _))
            {
                return ManagementErrors.BadRequest("principalRole must be a role id (UUID)");
            }

            // Another principal's actions are for those who may read the object's assignments.
            if (await access.RequireAsync(self, "can_read_assignments", kind.NotFound(self), context.RequestAborted) is { } denied)
            {
                return denied;
            }

            // A role: its assignees themselves (what a member gets through it).
            principal = role.Length > 0 ? Principal.Role(Guid.Parse(role).ToString()) : new Principal(user);
        }

        var actions = ActionCatalog.For(kind.Type);
        var allowed = await authorizer.BatchCheckAsync(principal, [.. actions.Select(a => new CheckItem(self, a))], context.RequestAborted);
        if (user.Length == 0 && role.Length == 0 && kind.Type != ObjectTypes.Server && !allowed.Any(static a => a))
        {
            return kind.NotFound(self);
        }

        return TypedResults.Ok(new GetAuthorizerActionsResponse([.. actions.Where((_, i) => allowed[i])]));
    }

    private static async Task<Results<Ok, ApiError>> SetManagedAccess(
        HttpContext context, IAuthorizer authorizer, ManagementAccess access, AuthzResourceKind kind, AuthzObject target)
    {
        var (body, bodyError) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.SetManagedAccessRequest);
        if (body is null)
        {
            return bodyError!;
        }

        if (body.ManagedAccess is not { } on)
        {
            return ManagementErrors.BadRequest("managed-access (boolean) is required");
        }

        if (await access.RequireAsync(target, "can_set_managed_access", kind.NotFound(target), context.RequestAborted) is { } denied)
        {
            return denied;
        }

        Relationship[] tuple = [new Relationship(AuthzSubject.AllUsers, "managed_access", target)];
        if (on)
        {
            await authorizer.WriteRelationshipsAsync(tuple, context.RequestAborted);
        }
        else
        {
            await authorizer.DeleteRelationshipsAsync(tuple, context.RequestAborted);
        }

        return TypedResults.Ok();
    }

    private static async Task<Results<Ok<GetManagedAccessResponse>, ApiError>> GetManagedAccess(
        HttpContext context, IAuthorizer authorizer, ManagementAccess access, AuthzResourceKind kind, AuthzObject target)
    {
        if (await access.RequireAsync(target, Relations.CanGetMetadata, kind.NotFound(target), context.RequestAborted) is { } denied)
        {
            return denied;
        }

        var own = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(target, "managed_access", AuthzSubject.AllUsers, 1), context.RequestAborted);
        var inherited = kind.Type == ObjectTypes.Namespace
            && await authorizer.CheckAsync(access.Caller, target, "managed_access_inheritance", context.RequestAborted);
        return TypedResults.Ok(new GetManagedAccessResponse(own.Relationships.Count > 0, inherited));
    }

    private static ApiError BadProjectHeader() => ManagementErrors.BadRequest($"{ProjectsApi.ProjectHeader} must be a UUID");
}

/// <summary>A kind of object the permissions API manages: its type, assignable relations and nouns.</summary>
internal sealed record AuthzResourceKind(string Type, string[] Relations, string Noun)
{
    /// <summary>The model's action that allows granting (or revoking) <paramref name="relation"/> here.</summary>
    public string GrantAction(string relation) => relation == Authz.Relations.Ownership ? "can_change_ownership" : "can_grant_" + relation;

    public ApiError NotFound(AuthzObject target) => Type switch
    {
        ObjectTypes.Project => ManagementErrors.NoSuchProject(Guid.Parse(target.Id)),
        ObjectTypes.Warehouse => ManagementErrors.NoSuchWarehouse(target.Id),
        ObjectTypes.Role => new(new ErrorResponse(404, "NoSuchRoleException", $"Role does not exist: {target.Id}")),
        ObjectTypes.Namespace => ManagementErrors.NoSuchNamespace(Guid.Parse(target.Id)),
        ObjectTypes.Table => ManagementErrors.NoSuchTabular("table", Guid.Parse(target.Id)),
        ObjectTypes.View => ManagementErrors.NoSuchTabular("view", Guid.Parse(target.Id)),
        _ => new(new ErrorResponse(404, "NotFoundException", $"{Noun} does not exist: {target.Id}")),
    };
}

/// <summary>The authorizer actions (the model's <c>can_*</c> relations) of each object type, as Lakekeeper names them.</summary>
internal static class ActionCatalog
{
    private static readonly string[] Grants = ["can_read_assignments", "can_grant_create", "can_grant_describe", "can_grant_modify", "can_grant_select",
        "can_grant_pass_grants", "can_grant_manage_grants", "can_change_ownership"];

    private static readonly Dictionary<string, string[]> ByType = new(StringComparer.Ordinal)
    {
        [ObjectTypes.Server] = ["can_create_project", "can_list_all_projects", "can_list_users", "can_provision_users", "can_update_users",
            "can_delete_users", "can_read_assignments", "can_grant_admin", "can_grant_operator"],
        [ObjectTypes.Project] = ["can_create_warehouse", "can_delete", "can_rename", "can_get_metadata", "can_list_warehouses", "can_include_in_list",
            "can_create_role", "can_list_roles", "can_search_roles", "can_get_endpoint_statistics", "can_read_assignments", "can_grant_role_creator",
            "can_grant_create", "can_grant_describe", "can_grant_modify", "can_grant_select", "can_grant_data_admin", "can_grant_security_admin",
            "can_grant_project_admin"],
        [ObjectTypes.Role] = ["can_assume", "can_grant_assignee", "can_change_ownership", "can_update", "can_delete", "can_read", "can_read_assignments"],
        [ObjectTypes.Warehouse] = ["can_create_namespace", "can_delete", "can_update_storage", "can_update_storage_credential", "can_get_metadata",
            "can_get_config", "can_use", "can_include_in_list", "can_list_namespaces", "can_list_everything", "can_list_deleted_tabulars",
            "can_deactivate", "can_activate", "can_rename", "can_modify_soft_deletion", "can_set_protection", "can_get_endpoint_statistics",
            "can_get_all_tasks", "can_control_all_tasks", .. Grants, "can_set_managed_access"],
        [ObjectTypes.Namespace] = ["can_create_table", "can_create_view", "can_create_namespace", "can_delete", "can_update_properties",
            "can_get_metadata", "can_list_tables", "can_list_views", "can_list_namespaces", "can_list_everything", "can_include_in_list",
            "can_set_protection", .. Grants, "can_set_managed_access"],
        [ObjectTypes.Table] = ["can_drop", "can_undrop", "can_write_data", "can_read_data", "can_get_metadata", "can_commit", "can_rename",
            "can_include_in_list", "can_set_protection", "can_get_tasks", "can_control_tasks", "can_read_assignments", "can_grant_pass_grants",
            "can_grant_manage_grants", "can_grant_describe", "can_grant_select", "can_grant_modify", "can_change_ownership"],
        [ObjectTypes.View] = ["can_drop", "can_undrop", "can_commit", "can_select", "can_get_metadata", "can_rename", "can_include_in_list",
            "can_set_protection", "can_get_tasks", "can_control_tasks", "can_read_assignments", "can_grant_pass_grants", "can_grant_manage_grants",
            "can_grant_describe", "can_grant_select", "can_grant_modify", "can_change_ownership"],
    };

    public static IReadOnlyList<string> For(string type) => ByType[type];

    public static IEnumerable<(string Type, string Action)> All => ByType.SelectMany(static p => p.Value.Select(a => (p.Key, a)));
}
