using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Management;

/// <summary>
/// What a principal may do, answered by <see cref="IAuthorizer"/>: <c>POST /action/batch-check</c> and
/// the <c>…/actions</c> listings of the server, a project, a warehouse, a namespace, a table or a view.
/// An action <c>x</c> is the relation <c>can_x</c> of Lakekeeper's authorization model.
/// </summary>
internal static class ActionsApi
{
    /// <summary>Most checks in one batch request.</summary>
    public const int MaxChecks = 1000;

    private static readonly string[] ServerActions = ["create_project", "update_users", "delete_users", "list_users", "provision_users", "read_grants"];

    private static readonly string[] ProjectActions =
    [
        "create_warehouse", "delete", "rename", "get_metadata", "list_warehouses", "include_in_list", "create_role", "list_roles", "search_roles",
        "get_endpoint_statistics", "modify_task_queue_config", "get_task_queue_config", "get_project_tasks", "control_project_tasks", "create_tag",
        "list_tags", "read_grants",
    ];

    private static readonly string[] WarehouseActions =
    [
        "create_namespace", "delete", "update_storage", "get_metadata", "get_config", "list_namespaces", "list_everything", "use", "include_in_list",
        "deactivate", "activate", "rename", "list_deleted_tabulars", "modify_soft_deletion", "get_task_queue_config", "modify_task_queue_config",
        "get_all_tasks", "control_all_tasks", "set_protection", "set_format_version_policy", "get_endpoint_statistics", "manage_tags",
        "accept_moved_namespace", "read_grants",
    ];

    private static readonly string[] NamespaceActions =
    [
        "create_table", "create_view", "create_namespace", "delete", "update_properties", "get_metadata", "list_tables", "list_views",
        "list_namespaces", "list_everything", "set_protection", "include_in_list", "create_generic_table", "list_generic_tables", "manage_tags",
        "move", "accept_moved_namespace", "read_grants",
    ];

    private static readonly string[] TableActions =
    [
        "drop", "write_data", "read_data", "get_metadata", "commit", "rename", "include_in_list", "undrop", "get_tasks", "control_tasks",
        "set_protection", "manage_tags", "read_grants",
    ];

    private static readonly string[] ViewActions =
    [
        "drop", "get_metadata", "select", "commit", "include_in_list", "rename", "undrop", "get_tasks", "control_tasks", "set_protection",
        "manage_tags", "read_grants",
    ];

    /// <summary>
    /// A role's actions and the relation on the role that the role endpoints check for each
    /// (<c>read_metadata</c>: any caller may read a role's metadata).
    /// </summary>
    private static readonly (string Action, string? Relation)[] RoleActions =
    [
        ("read", IdentityActions.CanRead), ("read_metadata", null), ("delete", IdentityActions.CanDelete), ("update", IdentityActions.CanUpdate),
        ("manage_role_assignments", IdentityActions.CanGrantAssignee), ("read_role_assignments", IdentityActions.CanReadAssignments),
        ("update_source_system", IdentityActions.CanUpdate),
    ];

    public static void MapActionsApi(this RouteGroupBuilder management)
    {
        management.MapPost("/action/batch-check", BatchCheck).Accepts<CatalogActionsBatchCheckRequest>("application/json")
            .WithMetadata(ProjectScoped.Instance).WithTags("authorization").WithName("batch_check_actions").WithSummary("Check several actions on several objects in one request");
        management.MapGet("/server/actions", ServerActionsAsync)
            .WithTags("server").WithName("get_server_actions").WithSummary("Actions the principal may perform on the server");
        management.MapGet("/project/actions", ProjectActionsAsync)
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("get_project_actions").WithSummary("Actions the principal may perform on the current project");
        management.MapGet("/warehouse/{warehouse_id:guid}/actions", WarehouseActionsAsync)
            .WithTags("warehouse").WithName("get_warehouse_actions").WithSummary("Actions the principal may perform on a warehouse");
        management.MapGet("/warehouse/{warehouse_id:guid}/namespace/{namespace_id:guid}/actions", NamespaceActionsAsync)
            .WithTags("namespace").WithName("get_namespace_actions").WithSummary("Actions the principal may perform on a namespace");
        management.MapGet("/warehouse/{warehouse_id:guid}/table/{table_id:guid}/actions",
                (HttpContext c, EntityLookupRepository l, IAuthorizer a, ManagementAccess m, [FromRoute(Name = "warehouse_id")] Guid warehouseId,
                    [FromRoute(Name = "table_id")] Guid tableId, string? principalUser, Guid? principalRole) =>
                TabularActionsAsync(c, l, a, m, warehouseId, tableId, TabularType.Table, principalUser, principalRole))
            .WithTags("table").WithName("get_table_actions").WithSummary("Actions the principal may perform on a table");
        management.MapGet("/warehouse/{warehouse_id:guid}/view/{view_id:guid}/actions",
                (HttpContext c, EntityLookupRepository l, IAuthorizer a, ManagementAccess m, [FromRoute(Name = "warehouse_id")] Guid warehouseId,
                    [FromRoute(Name = "view_id")] Guid viewId, string? principalUser, Guid? principalRole) =>
                TabularActionsAsync(c, l, a, m, warehouseId, viewId, TabularType.View, principalUser, principalRole))
            .WithTags("view").WithName("get_view_actions").WithSummary("Actions the principal may perform on a view");
        management.MapGet("/role/{role_id:guid}/actions", RoleActionsAsync)
            .WithMetadata(ProjectScoped.Instance).WithTags("role").WithName("get_role_actions").WithSummary("Actions the principal may perform on a role of the current project");
        management.MapGet("/user/{user_id}/actions", UserActionsAsync)
            .WithMetadata(ProjectScoped.Instance).WithTags("user").WithName("get_user_actions").WithSummary("Actions the principal may perform on a user");
    }

    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> RoleActionsAsync(
        HttpContext context, RoleRepository roles, IAuthorizer authorizer, ManagementAccess access, [FromRoute(Name = "role_id")] Guid roleId,
        string? principalUser, Guid? principalRole)
    {
        if (Principal(access, principalUser, principalRole, out var foreign, out var error) is not { } principal)
        {
            return error!;
        }

        if (ManagementHttp.Project(context, out error) is not { } project)
        {
            return error!;
        }

        var notFound = new ApiError(IdentityHttp.NoSuchRole(roleId));
        if (await roles.GetAsync(project, new RoleId(roleId), context.RequestAborted) is null)
        {
            return notFound;
        }

        var target = AuthzObject.Role(roleId.ToString());
        return await AnswerAsync(authorizer, access, principal, foreign, target, notFound,
            [.. RoleActions.Select(a => (a.Action, a.Relation is { } r ? new CheckItem(target, r) : (CheckItem?)null))], context.RequestAborted);
    }

    /// <summary>
    /// A user's actions, answered as the user endpoints decide them: a user may read and update itself
    /// and list its own roles; otherwise the server's <c>can_list_users</c>, <c>can_update_users</c>,
    /// <c>can_delete_users</c> and the current project's <c>can_list_roles</c>.
    /// </summary>
    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> UserActionsAsync(
        HttpContext context, UserRepository users, IAuthorizer authorizer, ManagementAccess access, [FromRoute(Name = "user_id")] string userId,
        string? principalUser, Guid? principalRole)
    {
        if (Principal(access, principalUser, principalRole, out var foreign, out var error) is not { } principal)
        {
            return error!;
        }

        if (ManagementHttp.Project(context, out error) is not { } project)
        {
            return error!;
        }

        var notFound = new ApiError(IdentityHttp.NoSuchUser(userId));
        if (!UserId.IsValid(userId) || await users.GetAsync(new UserId(userId), context.RequestAborted) is null)
        {
            return notFound;
        }

        // Another principal's view of a user is for those who may read the server's assignments.
        if (foreign && await access.RequireAsync(AuthzObject.Server(IdentityActions.ServerId), IdentityActions.CanReadAssignments, notFound, context.RequestAborted) is { } denied)
        {
            return denied;
        }

        var self = principal.UserId == userId;
        var server = AuthzObject.Server(IdentityActions.ServerId);
        (string, CheckItem?)[] actions =
        [
            ("read", self ? null : new CheckItem(server, IdentityActions.CanListUsers)),
            ("update", self ? null : new CheckItem(server, IdentityActions.CanUpdateUsers)),
            ("delete", new CheckItem(server, IdentityActions.CanDeleteUsers)),
            ("read_role_assignments", self ? null : new CheckItem(AuthzObject.Project(project.ToString()), IdentityActions.CanListRoles)),
        ];
        return TypedResults.Ok(await AllowedAsync(authorizer, principal, actions, context.RequestAborted));
    }

    /// <summary>The actions allowed: those without a check, and those whose check the authorizer allows (one batch).</summary>
    private static async Task<AllowedActionsResponse> AllowedAsync(
        IAuthorizer authorizer, Principal principal, (string Action, CheckItem? Check)[] actions, CancellationToken cancellationToken)
    {
        var checks = actions.Where(a => a.Check is not null).Select(a => a.Check!.Value).ToList();
        IReadOnlyList<bool> answers = checks.Count == 0 ? [] : await authorizer.BatchCheckAsync(principal, checks, cancellationToken);
        var allowed = new List<AllowedAction>();
        var next = 0;
        foreach (var (action, check) in actions)
        {
            if (check is null || answers[next++])
            {
                allowed.Add(new AllowedAction(action));
            }
        }

        return new AllowedActionsResponse(allowed);
    }

    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> ServerActionsAsync(
        HttpContext context, IAuthorizer authorizer, ManagementAccess access, string? principalUser, Guid? principalRole)
    {
        if (Principal(access, principalUser, principalRole, out var foreign, out var error) is not { } principal)
        {
            return error!;
        }

        // The server is visible to every caller: asking for another principal without the right is 403.
        var server = AuthzObject.Server(IdentityActions.ServerId);
        return await AnswerAsync(authorizer, access, principal, foreign, server, ManagementErrors.Forbidden("Forbidden: can_read_assignments on server"),
            Checks(server, ServerActions), context.RequestAborted, hideWhenNothing: false);
    }

    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> ProjectActionsAsync(
        HttpContext context, ProjectRepository projects, IAuthorizer authorizer, ManagementAccess access, string? principalUser, Guid? principalRole)
    {
        if (Principal(access, principalUser, principalRole, out var foreign, out var error) is not { } principal)
        {
            return error!;
        }

        if (ManagementHttp.Project(context, out error) is not { } project)
        {
            return error!;
        }

        var notFound = ManagementErrors.NoSuchProject(project.Value);
        if (await projects.GetAsync(project, context.RequestAborted) is null)
        {
            return notFound;
        }

        var target = AuthzObject.Project(project.ToString());
        return await AnswerAsync(authorizer, access, principal, foreign, target, notFound, Checks(target, ProjectActions), context.RequestAborted);
    }

    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> WarehouseActionsAsync(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, ManagementAccess access, [FromRoute(Name = "warehouse_id")] Guid warehouseId,
        string? principalUser, Guid? principalRole)
    {
        if (Principal(access, principalUser, principalRole, out var foreign, out var error) is not { } principal)
        {
            return error!;
        }

        var notFound = ManagementErrors.NoSuchWarehouse(warehouseId.ToString());
        if (await warehouses.GetAsync(new WarehouseId(warehouseId), context.RequestAborted) is null)
        {
            return notFound;
        }

        var target = AuthzObject.Warehouse(warehouseId.ToString());
        return await AnswerAsync(authorizer, access, principal, foreign, target, notFound, Checks(target, WarehouseActions), context.RequestAborted);
    }

    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> NamespaceActionsAsync(
        HttpContext context, EntityLookupRepository lookup, IAuthorizer authorizer, ManagementAccess access,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId, [FromRoute(Name = "namespace_id")] Guid namespaceId, string? principalUser, Guid? principalRole)
    {
        if (Principal(access, principalUser, principalRole, out var foreign, out var error) is not { } principal)
        {
            return error!;
        }

        var notFound = ManagementErrors.NoSuchNamespace(namespaceId);
        if (!await lookup.NamespaceExistsAsync(new WarehouseId(warehouseId), new NamespaceId(namespaceId), context.RequestAborted))
        {
            return notFound;
        }

        var target = AuthzObject.Namespace(namespaceId.ToString());
        return await AnswerAsync(authorizer, access, principal, foreign, target, notFound, Checks(target, NamespaceActions), context.RequestAborted);
    }

    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> TabularActionsAsync(
        HttpContext context, EntityLookupRepository lookup, IAuthorizer authorizer, ManagementAccess access,
        Guid warehouseId, Guid id, TabularType type, string? principalUser, Guid? principalRole)
    {
        if (Principal(access, principalUser, principalRole, out var foreign, out var error) is not { } principal)
        {
            return error!;
        }

        var notFound = ManagementErrors.NoSuchTabular(type == TabularType.View ? "view" : "table", id);
        if (await lookup.TabularTypeAsync(new WarehouseId(warehouseId), new TabularId(id), context.RequestAborted) != type)
        {
            return notFound;
        }

        var target = type == TabularType.View ? AuthzObject.View(id.ToString()) : AuthzObject.Table(id.ToString());
        return await AnswerAsync(authorizer, access, principal, foreign, target, notFound,
            Checks(target, type == TabularType.View ? ViewActions : TableActions), context.RequestAborted);
    }

    /// <summary>The relation of the permission model that answers an action: <c>can_&lt;action&gt;</c>; <c>read_grants</c> is <c>can_read_assignments</c>.</summary>
    private static string RelationOf(string action) => action == "read_grants" ? IdentityActions.CanReadAssignments : "can_" + action;

    private static (string, CheckItem?)[] Checks(AuthzObject target, string[] actions) =>
        [.. actions.Select(a => (a, (CheckItem?)new CheckItem(target, RelationOf(a))))];

    /// <summary>
    /// The actions of <paramref name="principal"/>, under the visibility rule. For another principal the caller
    /// needs <c>can_read_assignments</c> on <paramref name="authority"/> (it discloses that principal's access):
    /// otherwise 403, or <paramref name="notFound"/> when the caller cannot even see the object. For the caller
    /// itself, an object of which no checked action is allowed is hidden: <paramref name="notFound"/>, the body
    /// a missing object gets.
    /// </summary>
    private static async Task<Results<Ok<AllowedActionsResponse>, ApiError>> AnswerAsync(
        IAuthorizer authorizer, ManagementAccess access, Principal principal, bool foreign, AuthzObject authority, ApiError notFound,
        (string Action, CheckItem? Check)[] actions, CancellationToken cancellationToken, bool hideWhenNothing = true)
    {
        if (foreign && await access.RequireAsync(authority, IdentityActions.CanReadAssignments, notFound, cancellationToken) is { } denied)
        {
            return denied;
        }

        var allowed = await AllowedAsync(authorizer, principal, actions, cancellationToken);
        if (!foreign && hideWhenNothing && !actions.Any(a => a.Check is not null && allowed.AllowedActions.Any(x => x.Action == a.Action)))
        {
            return notFound;
        }

        return TypedResults.Ok(allowed);
    }

    /// <summary>
    /// The principal to answer for: the caller, the user named by <c>principalUser</c>, or the assignees of the
    /// role named by <c>principalRole</c>. <paramref name="foreign"/>: someone other than the caller (the caller
    /// naming itself is not), which needs the right to read the object's assignments.
    /// </summary>
    private static Principal? Principal(ManagementAccess access, string? user, Guid? role, out bool foreign, out ApiError? error)
    {
        error = null;
        foreign = false;
        if (user is not null && role is not null)
        {
            error = ManagementErrors.BadRequest("principalUser and principalRole exclude each other");
            return null;
        }

        if (user is not null && !UserId.IsValid(user))
        {
            error = ManagementErrors.BadRequest("principalUser must be a user id: 1 to 512 characters without control characters");
            return null;
        }

        var caller = access.Caller;
        if (role is { } roleId)
        {
            foreign = true;
            return Lakekeeper.Authz.Principal.Role(roleId.ToString());
        }

        if (user is null)
        {
            return caller;
        }

        foreign = user != caller.UserId;
        return foreign ? new Principal(user) : caller;
    }

    private static async Task<Results<Ok<CatalogActionsBatchCheckResponse>, ApiError>> BatchCheck(
        HttpContext context, IAuthorizer authorizer, ManagementAccess access, ProjectRepository projects, WarehouseRepository warehouses, EntityLookupRepository lookup)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.CatalogActionsBatchCheckRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.Checks is not { } checks)
        {
            return ManagementErrors.BadRequest("checks is required");
        }

        if (checks.Count > MaxChecks)
        {
            return ManagementErrors.BadRequest($"checks: at most {MaxChecks} per request");
        }

        // Resolve every item first (shape, then existence), then ask the authorizer once per principal.
        var resolved = new (Principal Principal, CheckItem? Item, string? Id, bool Foreign)[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            var check = checks[i];
            var where = $"checks[{i}]";
            if (check?.Operation is not { } operation)
            {
                return ManagementErrors.BadRequest($"{where}.operation is required");
            }

            if (Principal(access, check.Identity?.User, check.Identity?.Role, out var foreign, out var identityError) is not { } principal)
            {
                return ManagementErrors.BadRequest($"{where}.identity: {identityError!.Error.Message}");
            }

            if (check.Identity is { User: null, Role: null })
            {
                return ManagementErrors.BadRequest($"{where}.identity must name a user or a role");
            }

            var (target, action, problem) = await TargetAsync(context, operation, projects, warehouses, lookup, where);
            if (problem is not null)
            {
                return problem;
            }

            if (target is null && body.ErrorOnNotFound is true)
            {
                return new ApiError(new(404, "NotFoundException", $"{where}: the object does not exist"));
            }

            resolved[i] = (principal, target is { } t ? new CheckItem(t, RelationOf(action!)) : null, check.Id ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture), foreign);
        }

        // Asking on behalf of another principal discloses its access: the caller needs can_read_assignments on each
        // such object (one batch). An object the caller cannot even see is answered as a missing one.
        var foreignItems = resolved.Select((r, i) => (r, i)).Where(x => x.r.Foreign && x.r.Item is not null).ToList();
        if (foreignItems.Count > 0)
        {
            // Per item: can_read_assignments, then what makes the object visible (the server always is: asked again).
            var authority = await authorizer.BatchCheckAsync(access.Caller,
                [.. foreignItems.SelectMany(x => new[]
                {
                    new CheckItem(x.r.Item!.Value.Object, IdentityActions.CanReadAssignments),
                    new CheckItem(x.r.Item!.Value.Object, ManagementAccess.VisibilityRelation(x.r.Item!.Value.Object.Type) ?? IdentityActions.CanReadAssignments),
                })],
                context.RequestAborted);
            for (var j = 0; j < foreignItems.Count; j++)
            {
                if (authority[2 * j])
                {
                    continue;
                }

                var (item, index) = foreignItems[j];
                if (authority[(2 * j) + 1] || item.Item!.Value.Object.Type == ObjectTypes.Server)
                {
                    return ManagementErrors.Forbidden($"Forbidden: checks[{index}] asks on behalf of another principal, which needs can_read_assignments on {item.Item!.Value.Object.Type}");
                }

                if (body.ErrorOnNotFound is true)
                {
                    return new ApiError(new(404, "NotFoundException", $"checks[{index}]: the object does not exist"));
                }

                resolved[index] = resolved[index] with { Item = null };
            }
        }

        var allowed = new bool[checks.Count];
        foreach (var group in resolved.Select((r, i) => (r, i)).Where(x => x.r.Item is not null).GroupBy(x => x.r.Principal))
        {
            var items = group.ToList();
            var answers = await authorizer.BatchCheckAsync(group.Key, [.. items.Select(x => x.r.Item!.Value)], context.RequestAborted);
            for (var j = 0; j < items.Count; j++)
            {
                allowed[items[j].i] = answers[j];
            }
        }

        return TypedResults.Ok(new CatalogActionsBatchCheckResponse([.. resolved.Select((r, i) => new CatalogActionsBatchCheckResult(r.Id, allowed[i]))]));
    }

    /// <summary>The object and action of one operation; a null object when it does not exist (denied).</summary>
    private static async Task<(AuthzObject? Target, string? Action, ApiError? Error)> TargetAsync(
        HttpContext context, CatalogActionCheckOperation operation, ProjectRepository projects, WarehouseRepository warehouses,
        EntityLookupRepository lookup, string where)
    {
        var given = new object?[] { operation.Server, operation.Project, operation.Warehouse, operation.Namespace, operation.Table, operation.View }.Count(o => o is not null);
        if (given != 1)
        {
            return (null, null, ManagementErrors.BadRequest($"{where}.operation must name exactly one of server, project, warehouse, namespace, table, view"));
        }

        var ct = context.RequestAborted;
        switch (operation)
        {
            case { Server: { } server }:
                return Action(server.Action, ServerActions, where + ".operation.server") is { } e1 ? (null, null, e1) : (AuthzObject.Server("lakekeeper"), server.Action!.Name, null);

            case { Project: { } project }:
                if (Action(project.Action, ProjectActions, where + ".operation.project") is { } e2)
                {
                    return (null, null, e2);
                }

                ProjectId id;
                if (project.ProjectId is { } explicitId)
                {
                    id = new ProjectId(explicitId);
                }
                else if (ManagementHttp.Project(context, out var projectError) is { } current)
                {
                    id = current;
                }
                else
                {
                    return (null, null, projectError);
                }

                return (await projects.GetAsync(id, ct) is null ? null : AuthzObject.Project(id.ToString()), project.Action!.Name, null);

            case { Warehouse: { } warehouse }:
                if (Action(warehouse.Action, WarehouseActions, where + ".operation.warehouse") is { } e3)
                {
                    return (null, null, e3);
                }

                if (warehouse.WarehouseId is not { } wid)
                {
                    return (null, null, ManagementErrors.BadRequest($"{where}.operation.warehouse.warehouse-id is required"));
                }

                return (await warehouses.GetAsync(new WarehouseId(wid), ct) is null ? null : AuthzObject.Warehouse(wid.ToString()), warehouse.Action!.Name, null);

            case { Namespace: { } ns }:
                if (Action(ns.Action, NamespaceActions, where + ".operation.namespace") is { } e4)
                {
                    return (null, null, e4);
                }

                if (ns.WarehouseId is not { } nsWarehouse || (ns.NamespaceId is null) == (ns.Namespace is null))
                {
                    return (null, null, ManagementErrors.BadRequest($"{where}.operation.namespace needs warehouse-id and one of namespace-id or namespace"));
                }

                NamespaceId? found = ns.NamespaceId is { } nid
                    ? await lookup.NamespaceExistsAsync(new WarehouseId(nsWarehouse), new NamespaceId(nid), ct) ? new NamespaceId(nid) : null
                    : await lookup.NamespaceIdAsync(new WarehouseId(nsWarehouse), ns.Namespace!, ct);
                return (found is { } f ? AuthzObject.Namespace(f.ToString()) : null, ns.Action!.Name, null);

            default:
                var isView = operation.View is not null;
                var tabular = (isView ? operation.View : operation.Table)!;
                var kind = isView ? "view" : "table";
                if (Action(tabular.Action, isView ? ViewActions : TableActions, $"{where}.operation.{kind}") is { } e5)
                {
                    return (null, null, e5);
                }

                var tabularId = tabular.TableId ?? tabular.ViewId;
                var tabularName = tabular.Table ?? tabular.ViewName;
                if (tabular.WarehouseId is not { } tw || (tabularId is null) == (tabularName is null || tabular.Namespace is null))
                {
                    return (null, null, ManagementErrors.BadRequest($"{where}.operation.{kind} needs warehouse-id and either table-id, or namespace and table"));
                }

                var type = isView ? TabularType.View : TabularType.Table;
                TabularId? match = null;
                if (tabularId is { } byId)
                {
                    match = await lookup.TabularTypeAsync(new WarehouseId(tw), new TabularId(byId), ct) == type ? new TabularId(byId) : null;
                }
                else if (await lookup.TabularIdAsync(new WarehouseId(tw), tabular.Namespace!, tabularName!, ct) is { } byName && byName.Type == type)
                {
                    match = byName.Id;
                }

                return (match is { } m ? (isView ? AuthzObject.View(m.ToString()) : AuthzObject.Table(m.ToString())) : null, tabular.Action!.Name, null);
        }
    }

    private static ApiError? Action(ActionName? action, string[] known, string where) => action?.Name switch
    {
        null => ManagementErrors.BadRequest($"{where}.action is required"),
        { } name when known.Contains(name, StringComparer.Ordinal) => null,
        { } name => ManagementErrors.BadRequest($"{where}.action: '{name}' is not an action here (one of {string.Join(", ", known)})"),
    };
}
