using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Lakekeeper.Management.Lifecycle;

/// <summary>
/// Soft-deleted tables and views (list, undrop), protection of namespaces, tables and views, and
/// namespace moves, under <c>/management/v1/warehouse/{warehouse_id}/</c>. Handlers bind, authorize
/// and map; the SQL lives in the repositories, each change in one transaction.
/// </summary>
internal static class LifecycleApi
{
    /// <summary>Most tables and views one undrop request may name.</summary>
    public const int MaxUndropTargets = 1000;

    public static void MapLifecycleApi(this RouteGroupBuilder management)
    {
        var warehouse = management.MapGroup("/warehouse/{warehouse_id:guid}").WithTags("warehouse");
        warehouse.MapGet("/deleted-tabulars", ListDeleted).WithName("list_deleted_tabulars")
            .WithSummary("List soft-deleted tables and views (paged; oldest drop first)");
        warehouse.MapPost("/deleted-tabulars/undrop", Undrop).Accepts<UndropTabularsRequest>("application/json").WithName("undrop_tabulars")
            .WithSummary("Undrop soft-deleted tables and views: all targets or none");
        // Lakekeeper's earlier path, still routed.
        warehouse.MapPost("/deleted_tabulars/undrop", Undrop).ExcludeFromDescription();

        warehouse.MapGet("/namespace/{namespace_id:guid}/protection", GetNamespaceProtection).WithName("get_namespace_protection")
            .WithSummary("Whether a namespace is protected from deletion");
        warehouse.MapPost("/namespace/{namespace_id:guid}/protection", SetNamespaceProtection).Accepts<SetProtectionRequest>("application/json")
            .WithName("set_namespace_protection").WithSummary("Protect a namespace: dropping it then needs force=true");
        warehouse.MapGet("/table/{table_id:guid}/protection", (HttpContext c, LifecycleHttp h, TabularRepository r, [FromRoute(Name = "warehouse_id")] Guid w,
                [FromRoute(Name = "table_id")] Guid t) => GetTabularProtection(c, h, r, w, t, TabularType.Table))
            .WithName("get_table_protection").WithSummary("Whether a table is protected from deletion");
        warehouse.MapPost("/table/{table_id:guid}/protection", (HttpContext c, LifecycleHttp h, TabularRepository r, AuditLog a, [FromRoute(Name = "warehouse_id")] Guid w,
                [FromRoute(Name = "table_id")] Guid t) => SetTabularProtection(c, h, r, a, w, t, TabularType.Table))
            .Accepts<SetProtectionRequest>("application/json").WithName("set_table_protection").WithSummary("Protect a table: dropping it then needs force=true");
        warehouse.MapGet("/view/{view_id:guid}/protection", (HttpContext c, LifecycleHttp h, TabularRepository r, [FromRoute(Name = "warehouse_id")] Guid w,
                [FromRoute(Name = "view_id")] Guid v) => GetTabularProtection(c, h, r, w, v, TabularType.View))
            .WithName("get_view_protection").WithSummary("Whether a view is protected from deletion");
        warehouse.MapPost("/view/{view_id:guid}/protection", (HttpContext c, LifecycleHttp h, TabularRepository r, AuditLog a, [FromRoute(Name = "warehouse_id")] Guid w,
                [FromRoute(Name = "view_id")] Guid v) => SetTabularProtection(c, h, r, a, w, v, TabularType.View))
            .Accepts<SetProtectionRequest>("application/json").WithName("set_view_protection").WithSummary("Protect a view: dropping it then needs force=true");

        warehouse.MapPost("/namespace/{namespace_id:guid}/move", MoveNamespace).Accepts<MoveNamespaceRequest>("application/json").WithName("move_namespace")
            .WithSummary("Move or rename a namespace without child namespaces, also to the warehouse root");
    }

    private static async Task<Results<Ok<ListDeletedTabularsResponse>, ApiError>> ListDeleted(
        HttpContext context, LifecycleHttp http, DeletedTabularRepository deleted, NamespaceRepository namespaces,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId, [FromQuery] string? namespaceId, [FromQuery] string? pageToken, [FromQuery] string? pageSize)
    {
        if (LifecycleHttp.Paging(context, pageSize, pageToken, out var size, out var after, out var scope) is { } badPage)
        {
            return badPage;
        }

        DeletedPagePosition? position = null;
        if (after is not null)
        {
            if (!LifecycleHttp.TryPosition(after, out var at, out var id))
            {
                return LifecycleErrors.BadRequest("pageToken is not a token this server issued");
            }

            position = new DeletedPagePosition(at, id);
        }

        NamespaceId? ns = null;
        if (!string.IsNullOrEmpty(namespaceId))
        {
            if (!Guid.TryParse(namespaceId, out var parsed))
            {
                return LifecycleErrors.BadRequest("namespaceId must be a UUID");
            }

            ns = new NamespaceId(parsed);
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, LifecycleActions.CanListDeletedTabulars, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        if (ns is { } filter && await namespaces.GetByIdAsync(warehouse.Id, filter, context.RequestAborted) is null)
        {
            return LifecycleErrors.NoSuchNamespace(filter.Value);
        }

        // One row more than the page tells whether another page follows.
        var rows = await deleted.ListAsync(warehouse.Id, ns, position, size + 1, context.RequestAborted);
        var page = rows.Take(size).ToList();
        var visible = page.Count == 0
            ? []
            : await http.Authorizer.BatchCheckAsync(http.Caller,
                [.. page.Select(r => new CheckItem(ObjectOf(r.Type, r.Id.Value), Relations.CanGetMetadata))], context.RequestAborted);
        var next = rows.Count > size ? scope.Seal(LifecycleHttp.Position(page[^1].DeletedAt, page[^1].Id.Value)) : null;
        return TypedResults.Ok(new ListDeletedTabularsResponse(
            [.. page.Where((_, i) => visible[i]).Select(r => new DeletedTabularResponse(
                r.Id.Value, r.Name, r.Namespace, TypeName(r.Type), r.WarehouseId.Value, r.CreatedAt, r.DeletedAt, r.ExpiresAt))],
            next));
    }

    private static async Task<Results<NoContent, ApiError>> Undrop(
        HttpContext context, LifecycleHttp http, NpgsqlDataSource dataSource, LifecycleEvents events, AuditLog audit,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, error) = await LifecycleHttp.ReadAsync(context.Request, LifecycleJson.Default.UndropTabularsRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.Targets is not { Count: > 0 } targets)
        {
            return LifecycleErrors.BadRequest("targets is required: at least one {\"type\":\"table\"|\"view\",\"id\":…}");
        }

        if (targets.Count > MaxUndropTargets)
        {
            return LifecycleErrors.BadRequest($"targets: at most {MaxUndropTargets} per request");
        }

        var parsed = new List<UndropTarget>();
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            // A missing id reads as the nil UUID, which names no table or view.
            if (target is not { Id: var id } || id == Guid.Empty)
            {
                return LifecycleErrors.BadRequest($"targets[{i}].id is required");
            }

            switch (target.Type)
            {
                case "table":
                    parsed.Add(new UndropTarget(new TabularId(id), TabularType.Table));
                    break;
                case "view":
                    parsed.Add(new UndropTarget(new TabularId(id), TabularType.View));
                    break;
                case "generic-table":
                    return LifecycleErrors.BadRequest($"targets[{i}].type: generic tables are not supported by this server");
                default:
                    return LifecycleErrors.BadRequest($"targets[{i}].type must be 'table' or 'view'");
            }
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, Relations.CanGetMetadata, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        var allowed = await http.Authorizer.BatchCheckAsync(http.Caller,
            [.. parsed.Select(t => new CheckItem(ObjectOf(t.Type, t.Id.Value), Relations.CanUndrop))], context.RequestAborted);
        for (var i = 0; i < parsed.Count; i++)
        {
            if (!allowed[i])
            {
                var target = parsed[i];
                return await http.RequireAsync(ObjectOf(target.Type, target.Id.Value), Relations.CanUndrop,
                    () => LifecycleErrors.NoSuchTabular(target.Type, target.Id.Value), context.RequestAborted) ?? LifecycleErrors.Forbidden(Relations.CanUndrop);
            }
        }

        await using var tx = await DbTransaction.BeginAsync(dataSource, context.RequestAborted);
        var (undropped, missing) = await DeletedTabularRepository.UndropAsync(tx, warehouse.Id, parsed, context.RequestAborted);
        if (missing is not null)
        {
            return LifecycleErrors.Of(404, missing.Type == TabularType.View ? "NoSuchViewException" : "NoSuchTableException",
                $"{(missing.Type == TabularType.View ? "View" : "Table")} {missing.Id} is not a dropped {(missing.Type == TabularType.View ? "view" : "table")} " +
                $"of warehouse {warehouseId} (never dropped, already undropped or expired, or of another type): nothing was undropped");
        }

        for (var i = 0; i < undropped.Count; i++)
        {
            await OutboxRepository.AddAsync(tx, events.Undropped(warehouse.Id, undropped[i], i, undropped.Count), context.RequestAborted);
        }

        await tx.CommitAsync(context.RequestAborted);
        audit.Change(http.CurrentCaller, "undrop-tabulars", $"warehouse:{warehouseId}", string.Join(",", undropped.Select(t => $"{TypeName(t.Type)}:{t.Id}")));
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ProtectionResponse>, ApiError>> GetNamespaceProtection(
        HttpContext context, LifecycleHttp http, NamespaceRepository namespaces,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId, [FromRoute(Name = "namespace_id")] Guid namespaceId)
    {
        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, Relations.CanGetMetadata, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        if (await http.RequireAsync(AuthzObject.Namespace(namespaceId.ToString()), Relations.CanGetMetadata,
                () => LifecycleErrors.NoSuchNamespace(namespaceId), context.RequestAborted) is { } forbidden)
        {
            return forbidden;
        }

        return await namespaces.GetProtectionAsync(warehouse.Id, new NamespaceId(namespaceId), context.RequestAborted) is { } state
            ? TypedResults.Ok(new ProtectionResponse(state.Protected, state.UpdatedAt))
            : LifecycleErrors.NoSuchNamespace(namespaceId);
    }

    private static async Task<Results<Ok<ProtectionResponse>, ApiError>> SetNamespaceProtection(
        HttpContext context, LifecycleHttp http, NamespaceRepository namespaces, AuditLog audit,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId, [FromRoute(Name = "namespace_id")] Guid namespaceId)
    {
        var (body, error) = await ReadProtectionAsync(context);
        if (body is null)
        {
            return error!;
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, Relations.CanGetMetadata, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        if (await http.RequireAsync(AuthzObject.Namespace(namespaceId.ToString()), LifecycleActions.CanSetProtection,
                () => LifecycleErrors.NoSuchNamespace(namespaceId), context.RequestAborted) is { } forbidden)
        {
            return forbidden;
        }

        var state = await namespaces.SetProtectionAsync(warehouse.Id, new NamespaceId(namespaceId), body.Value, context.RequestAborted);
        audit.Change(http.CurrentCaller, "set-namespace-protection", $"namespace:{namespaceId}", state is null ? "NotFound" : body.Value.ToString());
        return state is { } s ? TypedResults.Ok(new ProtectionResponse(s.Protected, s.UpdatedAt)) : LifecycleErrors.NoSuchNamespace(namespaceId);
    }

    private static async Task<Results<Ok<ProtectionResponse>, ApiError>> GetTabularProtection(
        HttpContext context, LifecycleHttp http, TabularRepository tabulars, Guid warehouseId, Guid id, TabularType type)
    {
        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, Relations.CanGetMetadata, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        if (await http.RequireAsync(ObjectOf(type, id), Relations.CanGetMetadata, () => LifecycleErrors.NoSuchTabular(type, id), context.RequestAborted) is { } forbidden)
        {
            return forbidden;
        }

        return await tabulars.GetProtectionAsync(warehouse.Id, new TabularId(id), type, context.RequestAborted) is { } state
            ? TypedResults.Ok(new ProtectionResponse(state.Protected, state.UpdatedAt))
            : LifecycleErrors.NoSuchTabular(type, id);
    }

    private static async Task<Results<Ok<ProtectionResponse>, ApiError>> SetTabularProtection(
        HttpContext context, LifecycleHttp http, TabularRepository tabulars, AuditLog audit, Guid warehouseId, Guid id, TabularType type)
    {
        var (body, error) = await ReadProtectionAsync(context);
        if (body is null)
        {
            return error!;
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, Relations.CanGetMetadata, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        if (await http.RequireAsync(ObjectOf(type, id), LifecycleActions.CanSetProtection, () => LifecycleErrors.NoSuchTabular(type, id), context.RequestAborted) is { } forbidden)
        {
            return forbidden;
        }

        var state = await tabulars.SetProtectionAsync(warehouse.Id, new TabularId(id), type, body.Value, context.RequestAborted);
        audit.Change(http.CurrentCaller, $"set-{TypeName(type)}-protection", $"{TypeName(type)}:{id}", state is null ? "NotFound" : body.Value.ToString());
        return state is { } s ? TypedResults.Ok(new ProtectionResponse(s.Protected, s.UpdatedAt)) : LifecycleErrors.NoSuchTabular(type, id);
    }

    private static async Task<(bool? Value, ApiError? Error)> ReadProtectionAsync(HttpContext context)
    {
        var (body, error) = await LifecycleHttp.ReadAsync(context.Request, LifecycleJson.Default.SetProtectionRequest);
        if (body is null)
        {
            return (null, error);
        }

        return body.Protected is { } value ? (value, null) : (null, LifecycleErrors.BadRequest("protected is required (true or false)"));
    }

    private static async Task<Results<Ok<MoveNamespaceResponse>, ApiError>> MoveNamespace(
        HttpContext context, LifecycleHttp http, NpgsqlDataSource dataSource, LifecycleEvents events, AuditLog audit, AuthzOutbox outbox,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId, [FromRoute(Name = "namespace_id")] Guid namespaceId)
    {
        var (body, error) = await LifecycleHttp.ReadAsync(context.Request, LifecycleJson.Default.MoveNamespaceRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.Destination is not { Count: > 0 } destinationOrNulls)
        {
            return LifecycleErrors.BadRequest("destination is required: the namespace's full new path (one level moves it to the warehouse root)");
        }

        if (destinationOrNulls.Any(level => level is null))
        {
            return LifecycleErrors.BadRequest("destination: every level must be a string");
        }

        IReadOnlyList<string> destination = [.. destinationOrNulls.Select(level => level!)];
        if (NamespaceNames.Check(destination) is { } invalid)
        {
            return LifecycleErrors.BadRequest("destination: " + invalid);
        }

        var (warehouse, denied) = await http.WarehouseAsync(warehouseId, Relations.CanGetMetadata, context.RequestAborted);
        if (warehouse is null)
        {
            return denied!;
        }

        await using var tx = await DbTransaction.BeginAsync(dataSource, context.RequestAborted);
        var ns = await NamespaceRepository.GetByIdForUpdateAsync(tx, warehouse.Id, new NamespaceId(namespaceId), context.RequestAborted);
        if (ns is null)
        {
            return LifecycleErrors.NoSuchNamespace(namespaceId);
        }

        if (await http.RequireAsync(AuthzObject.Namespace(namespaceId.ToString()), LifecycleActions.CanMove,
                () => LifecycleErrors.NoSuchNamespace(namespaceId), context.RequestAborted) is { } forbidden)
        {
            return forbidden;
        }

        // The destination parent must accept the namespace: create there, and accept a moved one (which brings its contents).
        NamespaceId? parent = null;
        if (destination.Count > 1)
        {
            var parentLevels = destination.Take(destination.Count - 1).ToList();
            parent = await NamespaceRepository.IdOfAsync(tx, warehouse.Id, parentLevels, context.RequestAborted);
            if (parent is null)
            {
                return LifecycleErrors.Of(404, "NoSuchNamespaceException", $"Namespace does not exist: {string.Join('.', parentLevels)} (the destination's parent)");
            }
        }

        var container = parent is { } p ? AuthzObject.Namespace(p.ToString()) : AuthzObject.Warehouse(warehouseId.ToString());
        foreach (var action in new[] { Relations.CanCreateNamespace, LifecycleActions.CanAcceptMovedNamespace })
        {
            if (await http.RequireAsync(container, action, () => parent is { } id
                    ? LifecycleErrors.NoSuchNamespace(id.Value)
                    : LifecycleErrors.NoSuchWarehouse(warehouseId), context.RequestAborted) is { } refused)
            {
                return refused;
            }
        }

        var outcome = await NamespaceRepository.MoveAsync(tx, ns, destination, body.Force is true, context.RequestAborted);
        switch (outcome)
        {
            case NamespaceMoveOutcome.Unchanged:
                return TypedResults.Ok(new MoveNamespaceResponse(ns.Name, namespaceId, ns.ParentId?.Value));
            case NamespaceMoveOutcome.Protected:
                return LifecycleErrors.Conflict("ProtectedException",
                    $"Namespace {string.Join('.', ns.Name)} is protected: unprotect it, or move it with \"force\": true");
            case NamespaceMoveOutcome.HasChildren:
                return LifecycleErrors.Conflict("NamespaceNotEmptyException",
                    $"Namespace {string.Join('.', ns.Name)} contains namespaces: only a namespace without child namespaces can be moved");
            case NamespaceMoveOutcome.NameTaken:
                return LifecycleErrors.Conflict("AlreadyExistsException", $"Namespace already exists: {string.Join('.', destination)}");
            case NamespaceMoveOutcome.ParentMissing:
                return LifecycleErrors.Of(404, "NoSuchNamespaceException", $"Namespace does not exist: {string.Join('.', destination.Take(destination.Count - 1))}");
            case NamespaceMoveOutcome.IntoItself:
                return LifecycleErrors.BadRequest("destination lies inside the namespace itself");
        }

        await OutboxRepository.AddAsync(tx, events.NamespaceMoved(warehouse.Id, ns.Id, ns.Name, destination), context.RequestAborted);
        if (ns.ParentId != parent)
        {
            // The namespace (and with it its tables and views) now inherits from its new parent only.
            var self = AuthzObject.Namespace(namespaceId.ToString());
            var oldParent = ns.ParentId is { } before ? AuthzObject.Namespace(before.ToString()) : AuthzObject.Warehouse(warehouseId.ToString());
            await AuthzOutbox.AddAsync(tx, new TupleChanges().Delete(AuthzHierarchy.Link(self, oldParent)).Write(AuthzHierarchy.Link(self, container)),
                context.RequestAborted);
        }

        await tx.CommitAsync(context.RequestAborted);
        await outbox.DeliverAsync(context.RequestAborted);
        audit.Change(http.CurrentCaller, "move-namespace", $"namespace:{namespaceId}", string.Join('.', destination));
        return TypedResults.Ok(new MoveNamespaceResponse(destination, namespaceId, parent?.Value));
    }

    internal static AuthzObject ObjectOf(TabularType type, Guid id) =>
        type == TabularType.View ? AuthzObject.View(id.ToString()) : AuthzObject.Table(id.ToString());

    internal static string TypeName(TabularType type) => type == TabularType.View ? "view" : "table";
}
