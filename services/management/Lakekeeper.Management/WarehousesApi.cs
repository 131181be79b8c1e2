using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management;

/// <summary>
/// Warehouses: create (and its dry run), list, get, delete, activate and deactivate, rename,
/// protection, delete profile, format version policy, storage profile and credential (and their
/// dry runs). Handlers bind, authorize and map; <see cref="WarehouseService"/> and
/// <see cref="WarehouseStorageService"/> hold the logic.
/// </summary>
internal static class WarehousesApi
{
    /// <summary>Lakekeeper's action names on a warehouse.</summary>
    private const string CanDeactivate = "can_deactivate";
    private const string CanActivate = "can_activate";
    private const string CanSetProtection = "can_set_protection";
    private const string CanModifySoftDeletion = "can_modify_soft_deletion";
    private const string CanSetFormatVersionPolicy = "can_set_format_version_policy";
    private const string CanUpdateStorage = "can_update_storage";

    public static void MapWarehousesApi(this RouteGroupBuilder management)
    {
        management.MapPost("/warehouse", CreateWarehouse).Accepts<CreateWarehouseRequest>("application/json")
            .WithMetadata(ProjectScoped.Instance).WithTags("warehouse").WithName("create_warehouse")
            .WithSummary("Create a warehouse: the storage is probed and the credential encrypted before anything is stored");
        management.MapPost("/warehouse-creation-validation", ValidateWarehouse).Accepts<CreateWarehouseRequest>("application/json")
            .WithMetadata(ProjectScoped.Instance).WithTags("warehouse").WithName("validate_warehouse")
            .WithSummary("Dry run of Create Warehouse: 200 with a result per check, nothing created");
        management.MapGet("/warehouse", ListWarehouses)
            .WithMetadata(ProjectScoped.Instance).WithTags("warehouse").WithName("list_warehouses").WithSummary("List the project's warehouses (active ones unless warehouseStatus says otherwise)");

        var warehouse = management.MapGroup("/warehouse/{warehouse_id:guid}").WithTags("warehouse");
        warehouse.MapGet("", GetWarehouse).WithName("get_warehouse").WithSummary("Get a warehouse");
        warehouse.MapDelete("", DeleteWarehouse).WithName("delete_warehouse")
            .WithSummary("Delete a warehouse and its stored credential; a protected or non-empty one only with force=true");
        warehouse.MapPost("/activate", (HttpContext c, WarehouseRepository r, IAuthorizer a, [FromRoute(Name = "warehouse_id")] Guid id) =>
                SetStatusAsync(c, r, a, id, WarehouseRecord.ActiveStatus, CanActivate))
            .WithName("activate_warehouse").WithSummary("Activate a warehouse");
        warehouse.MapPost("/deactivate", (HttpContext c, WarehouseRepository r, IAuthorizer a, [FromRoute(Name = "warehouse_id")] Guid id) =>
                SetStatusAsync(c, r, a, id, WarehouseRecord.InactiveStatus, CanDeactivate))
            .WithName("deactivate_warehouse").WithSummary("Deactivate a warehouse: the catalog API answers 404 for it; its data stays");
        warehouse.MapPost("/rename", RenameWarehouse).Accepts<RenameWarehouseRequest>("application/json")
            .WithName("rename_warehouse").WithSummary("Rename a warehouse");
        warehouse.MapPost("/protection", SetProtection).Accepts<SetProtectionRequest>("application/json")
            .WithName("set_warehouse_protection").WithSummary("Protect a warehouse from deletion (DELETE then needs force=true)");
        warehouse.MapPost("/managed-by", SetManagedBy).Accepts<SetWarehouseManagedByRequest>("application/json")
            .WithName("set_warehouse_managed_by")
            .WithSummary("Set or clear the managed-by marker (instance administrators only): an instance-admin warehouse's spec changes only through them");
        warehouse.MapPost("/delete-profile", SetDeleteProfile).Accepts<UpdateWarehouseDeleteProfileRequest>("application/json")
            .WithName("update_warehouse_delete_profile").WithSummary("Set what dropping a table or view does: hard, or soft with an expiration");
        warehouse.MapPost("/format-version-policy", SetFormatVersionPolicy).Accepts<UpdateWarehouseFormatVersionPolicyRequest>("application/json")
            .WithName("update_warehouse_format_version_policy")
            .WithSummary("Set the table format versions allowed on create, register and upgrade, and the default");
        warehouse.MapPost("/storage", UpdateStorage).Accepts<UpdateWarehouseStorageRequest>("application/json")
            .WithName("update_storage_profile").WithSummary("Replace the storage profile (same location) and credential, after a probe");
        warehouse.MapPost("/storage-credential", UpdateCredential).Accepts<UpdateWarehouseCredentialRequest>("application/json")
            .WithName("update_storage_credential").WithSummary("Rotate the storage credential: probed, then swapped; the old one is overwritten");
        warehouse.MapPost("/storage/validate-profile", ValidateProfile).Accepts<UpdateWarehouseStorageRequest>("application/json")
            .WithName("validate_storage_profile").WithSummary("Dry run of Update Storage Profile");
        warehouse.MapPost("/storage/validate-credential", ValidateCredential).Accepts<UpdateWarehouseCredentialRequest>("application/json")
            .WithName("validate_storage_credential").WithSummary("Dry run of Update Storage Credential");
        warehouse.MapPost("/storage/validate-access", ValidateAccess)
            .WithName("validate_storage_access").WithSummary("Probe the stored profile and credential as they are");
    }

    private static async Task<Results<Created<GetWarehouseResponse>, ApiError>> CreateWarehouse(HttpContext context, WarehouseService service)
    {
        var (request, error) = await ReadCreateAsync(context);
        if (request is null)
        {
            return error!;
        }

        var (failure, _, created) = await service.CreateAsync(ManagementHttp.CurrentCaller(context), request.Value.Project, request.Value.Body, dryRun: false, context.RequestAborted);
        return failure ?? (Results<Created<GetWarehouseResponse>, ApiError>)TypedResults.Created((string?)null, WarehouseService.Describe(created!));
    }

    private static async Task<Results<Ok<ValidateWarehouseResponse>, ApiError>> ValidateWarehouse(HttpContext context, WarehouseService service)
    {
        var (request, error) = await ReadCreateAsync(context);
        if (request is null)
        {
            return error!;
        }

        var (failure, checks, _) = await service.CreateAsync(ManagementHttp.CurrentCaller(context), request.Value.Project, request.Value.Body, dryRun: true, context.RequestAborted);
        return failure ?? (Results<Ok<ValidateWarehouseResponse>, ApiError>)TypedResults.Ok(checks.ToResponse());
    }

    /// <summary>The body and its project: <c>x-project-id</c>, else the deprecated <c>project-id</c> field, else the default.</summary>
    private static async Task<((CreateWarehouseRequest Body, ProjectId Project)? Request, ApiError? Error)> ReadCreateAsync(HttpContext context)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.CreateWarehouseRequest);
        if (body is null)
        {
            return (null, error);
        }

        if (!context.Request.Headers.ContainsKey(ProjectsApi.ProjectHeader) && body.ProjectId is { } deprecated)
        {
            return Guid.TryParse(deprecated, out var id) ? ((body, new ProjectId(id)), null) : (null, ManagementErrors.BadRequest("project-id must be a UUID"));
        }

        return ManagementHttp.Project(context, out error) is { } project ? ((body, project), null) : (null, error);
    }

    private static async Task<Results<Ok<ListWarehousesResponse>, ApiError>> ListWarehouses(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer,
        [FromQuery(Name = "warehouseStatus")] string[]? warehouseStatus, [FromQuery(Name = "projectId")] string? projectId)
    {
        ProjectId project;
        if (!string.IsNullOrEmpty(projectId) && !context.Request.Headers.ContainsKey(ProjectsApi.ProjectHeader))
        {
            if (!Guid.TryParse(projectId, out var id))
            {
                return ManagementErrors.BadRequest("projectId must be a UUID");
            }

            project = new ProjectId(id);
        }
        else if (ManagementHttp.Project(context, out var error) is { } current)
        {
            project = current;
        }
        else
        {
            return error!;
        }

        var statuses = warehouseStatus is { Length: > 0 } ? warehouseStatus : [WarehouseRecord.ActiveStatus];
        if (statuses.FirstOrDefault(s => s is not (WarehouseRecord.ActiveStatus or WarehouseRecord.InactiveStatus)) is { } bad)
        {
            return ManagementErrors.BadRequest($"warehouseStatus: '{bad}' is not 'active' or 'inactive'");
        }

        // A project the caller cannot see is answered as a missing one (can_list_warehouses is its can_get_metadata).
        if (!await authorizer.CheckAsync(ManagementHttp.Caller(context), AuthzObject.Project(project.ToString()), "can_list_warehouses", context.RequestAborted))
        {
            return ManagementErrors.NoSuchProject(project.Value);
        }

        var list = await warehouses.ListAsync(project, context.RequestAborted, statuses);
        var visible = await authorizer.ListObjectsAsync(ManagementHttp.Caller(context), ObjectTypes.Warehouse, Relations.CanIncludeInList,
            AuthzObject.Project(project.ToString()), context.RequestAborted);
        return TypedResults.Ok(new ListWarehousesResponse([.. list.Where(w => visible.Contains(w.Id.ToString())).Select(WarehouseService.Describe)]));
    }

    private static async Task<Results<Ok<GetWarehouseResponse>, ApiError>> GetWarehouse(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (warehouse, error) = await AuthorizedAsync(context, warehouses, authorizer, warehouseId, Relations.CanGetMetadata);
        return warehouse is null ? error! : TypedResults.Ok(WarehouseService.Describe(warehouse));
    }

    private static async Task<Results<NoContent, ApiError>> DeleteWarehouse(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, WarehouseStorageService storage, AuthzOutbox outbox,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId, [FromQuery] bool? force)
    {
        var (warehouse, error) = await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, Relations.CanDelete, "existence (deletion)");
        if (warehouse is null)
        {
            return error!;
        }

        // The warehouse's tuples (grants, ownership, its links) go through the authz outbox with the delete.
        var self = AuthzObject.Warehouse(warehouseId.ToString());
        var tuples = new TupleChanges().Delete(AuthzHierarchy.Link(self, AuthzObject.Project(warehouse.ProjectId.ToString()))).Purge(self);
        var outcome = await warehouses.DeleteAsync(warehouse.Id, force is true, context.RequestAborted, tuples.ToRows());
        await outbox.DeliverAsync(context.RequestAborted);
        ManagementHttp.Audit(context, "delete-warehouse", "warehouse:" + warehouseId, force is true ? outcome + " (forced)" : outcome.ToString());
        switch (outcome)
        {
            case WarehouseDeleteOutcome.Protected:
                return ManagementErrors.Protected($"Warehouse {warehouseId} is protected: unprotect it, or delete it with force=true");
            case WarehouseDeleteOutcome.NotEmpty:
                return ManagementErrors.NotEmpty($"Warehouse {warehouseId} is not empty: drop its namespaces first, or delete it with force=true");
            case WarehouseDeleteOutcome.NotFound:
                return ManagementErrors.NoSuchWarehouse(warehouseId.ToString());
        }

        var (profile, credential) = storage.Stored(warehouse);
        storage.Forget(profile, credential);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok, ApiError>> SetStatusAsync(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, Guid warehouseId, string status, string action)
    {
        var (warehouse, error) = await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, action, "status");
        if (warehouse is null)
        {
            return error!;
        }

        var updated = await warehouses.SetStatusAsync(warehouse.Id, status, context.RequestAborted);
        ManagementHttp.Audit(context, status == WarehouseRecord.ActiveStatus ? "activate-warehouse" : "deactivate-warehouse", "warehouse:" + warehouseId, updated is null ? "not found" : "done");
        return updated is null ? ManagementErrors.NoSuchWarehouse(warehouseId.ToString()) : TypedResults.Ok();
    }

    private static async Task<Results<Ok<GetWarehouseResponse>, ApiError>> RenameWarehouse(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.RenameWarehouseRequest);
        if (body is null)
        {
            return error!;
        }

        if (!ManagementHttp.ValidName(body.NewName, allowSlash: false))
        {
            return ManagementErrors.BadRequest("new-name is required: 1 to 128 characters, without '/' and control characters");
        }

        var (warehouse, denied) = await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, Relations.CanRename, "name");
        if (warehouse is null)
        {
            return denied!;
        }

        var (outcome, renamed) = await warehouses.RenameAsync(warehouse.Id, body.NewName!, context.RequestAborted);
        ManagementHttp.Audit(context, "rename-warehouse", "warehouse:" + warehouseId, outcome.ToString());
        return outcome switch
        {
            WarehouseRenameOutcome.Renamed => TypedResults.Ok(WarehouseService.Describe(renamed!)),
            WarehouseRenameOutcome.NameTaken => ManagementErrors.Conflict($"Warehouse already exists: {body.NewName}"),
            _ => ManagementErrors.NoSuchWarehouse(warehouseId.ToString()),
        };
    }

    private static async Task<Results<Ok<ProtectionResponse>, ApiError>> SetProtection(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.SetProtectionRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.Protected is not { } isProtected)
        {
            return ManagementErrors.BadRequest("protected is required (true or false)");
        }

        var (warehouse, denied) = await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, CanSetProtection, "protection");
        if (warehouse is null)
        {
            return denied!;
        }

        var updated = await warehouses.SetProtectionAsync(warehouse.Id, isProtected, context.RequestAborted);
        ManagementHttp.Audit(context, isProtected ? "protect-warehouse" : "unprotect-warehouse", "warehouse:" + warehouseId, updated is null ? "not found" : "done");
        return updated is null
            ? ManagementErrors.NoSuchWarehouse(warehouseId.ToString())
            : TypedResults.Ok(new ProtectionResponse(updated.Protected, updated.UpdatedAt));
    }

    /// <summary>
    /// Sets or clears Lakekeeper's managed-by marker. Only an instance administrator may, in either
    /// direction; a caller who may not see the warehouse gets 404 as for any other change.
    /// </summary>
    private static async Task<Results<Ok<GetWarehouseResponse>, ApiError>> SetManagedBy(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, InstanceAdministrators admins,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.SetWarehouseManagedByRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.ManagedBy is not (WarehouseRecord.SelfManaged or WarehouseRecord.InstanceAdminManaged))
        {
            return ManagementErrors.BadRequest(body.ManagedBy is null
                ? $"managed-by is required ('{WarehouseRecord.SelfManaged}' or '{WarehouseRecord.InstanceAdminManaged}')"
                : $"managed-by: '{body.ManagedBy}' is not '{WarehouseRecord.SelfManaged}' or '{WarehouseRecord.InstanceAdminManaged}'");
        }

        var (warehouse, denied) = await AuthorizedAsync(context, warehouses, authorizer, warehouseId, Relations.CanGetMetadata);
        if (warehouse is null)
        {
            return denied!;
        }

        if (!await admins.IsInstanceAdminAsync(ManagementHttp.CurrentCaller(context), context.RequestAborted))
        {
            ManagementHttp.Audit(context, "set-warehouse-managed-by", "warehouse:" + warehouseId, "refused: not an instance administrator");
            return ManagementErrors.Forbidden("Forbidden: only an instance administrator may set or clear a warehouse's managed-by marker");
        }

        var updated = warehouse.ManagedBy == body.ManagedBy ? warehouse : await warehouses.SetManagedByAsync(warehouse.Id, body.ManagedBy, context.RequestAborted);
        ManagementHttp.Audit(context, "set-warehouse-managed-by", "warehouse:" + warehouseId, updated is null ? "not found" : "done: " + body.ManagedBy);
        return updated is null ? ManagementErrors.NoSuchWarehouse(warehouseId.ToString()) : TypedResults.Ok(WarehouseService.Describe(updated));
    }

    private static async Task<Results<Ok<GetWarehouseResponse>, ApiError>> SetDeleteProfile(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.UpdateWarehouseDeleteProfileRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.DeleteProfile is null)
        {
            return ManagementErrors.BadRequest("delete-profile is required");
        }

        if (DeleteProfiles.Check(body.DeleteProfile) is { } problem)
        {
            return ManagementErrors.BadRequest(problem);
        }

        var (warehouse, denied) = await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, CanModifySoftDeletion, "delete profile");
        if (warehouse is null)
        {
            return denied!;
        }

        var updated = await warehouses.SetDeleteProfileAsync(warehouse.Id, DeleteProfiles.Serialize(body.DeleteProfile), context.RequestAborted);
        ManagementHttp.Audit(context, "set-delete-profile", "warehouse:" + warehouseId, updated is null ? "not found" : "done: " + body.DeleteProfile.Type);
        return updated is null ? ManagementErrors.NoSuchWarehouse(warehouseId.ToString()) : TypedResults.Ok(WarehouseService.Describe(updated));
    }

    private static async Task<Results<Ok<GetWarehouseResponse>, ApiError>> SetFormatVersionPolicy(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.UpdateWarehouseFormatVersionPolicyRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.AllowedFormatVersions is null)
        {
            return ManagementErrors.BadRequest("allowed-format-versions is required");
        }

        if (FormatVersionPolicy.Check(body.AllowedFormatVersions, body.DefaultFormatVersion) is { } problem)
        {
            return ManagementErrors.BadRequest(problem);
        }

        var (warehouse, denied) = await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, CanSetFormatVersionPolicy, "format version policy");
        if (warehouse is null)
        {
            return denied!;
        }

        var updated = await warehouses.SetFormatVersionPolicyAsync(
            warehouse.Id, [.. body.AllowedFormatVersions.Order()], body.DefaultFormatVersion, context.RequestAborted);
        ManagementHttp.Audit(context, "set-format-version-policy", "warehouse:" + warehouseId, updated is null ? "not found" : "done");
        return updated is null ? ManagementErrors.NoSuchWarehouse(warehouseId.ToString()) : TypedResults.Ok(WarehouseService.Describe(updated));
    }

    private static async Task<Results<Ok<GetWarehouseResponse>, ApiError>> UpdateStorage(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, WarehouseStorageService storage,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, warehouse, error) = await ReadStorageAsync(context, warehouses, authorizer, warehouseId, "storage profile");
        if (body is null)
        {
            return error!;
        }

        var (checks, updated) = await storage.UpdateProfileAsync(warehouse!, body.StorageProfile!, body.StorageCredential, dryRun: false, context.RequestAborted);
        ManagementHttp.Audit(context, "update-storage", "warehouse:" + warehouseId, updated is not null ? "done" : "refused: " + checks.Describe());
        return updated is not null
            ? TypedResults.Ok(WarehouseService.Describe(updated))
            : checks.Failed ? ManagementErrors.BadRequest("Invalid storage: " + checks.Describe()) : ManagementErrors.NoSuchWarehouse(warehouseId.ToString());
    }

    private static async Task<Results<Ok<ValidateWarehouseResponse>, ApiError>> ValidateProfile(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, WarehouseStorageService storage,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, warehouse, error) = await ReadStorageAsync(context, warehouses, authorizer, warehouseId, specChange: null);
        if (body is null)
        {
            return error!;
        }

        var (checks, _) = await storage.UpdateProfileAsync(warehouse!, body.StorageProfile!, body.StorageCredential, dryRun: true, context.RequestAborted);
        return TypedResults.Ok(checks.ToResponse());
    }

    /// <param name="specChange">What the request changes (checked against managed-by), or null for a dry run.</param>
    private static async Task<(UpdateWarehouseStorageRequest? Body, WarehouseRecord? Warehouse, ApiError? Error)> ReadStorageAsync(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, Guid warehouseId, string? specChange)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.UpdateWarehouseStorageRequest);
        if (body is null)
        {
            return (null, null, error);
        }

        if (body.StorageProfile is null)
        {
            return (null, null, ManagementErrors.BadRequest("storage-profile is required"));
        }

        var (warehouse, denied) = specChange is null
            ? await AuthorizedAsync(context, warehouses, authorizer, warehouseId, CanUpdateStorage)
            : await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, CanUpdateStorage, specChange);
        return warehouse is null ? (null, null, denied) : (body, warehouse, null);
    }

    private static async Task<Results<Ok<GetWarehouseResponse>, ApiError>> UpdateCredential(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, WarehouseStorageService storage,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, warehouse, error) = await ReadCredentialAsync(context, warehouses, authorizer, warehouseId, "storage credential");
        if (body is null)
        {
            return error!;
        }

        var (checks, updated) = await storage.UpdateCredentialAsync(warehouse!, body.NewStorageCredential, dryRun: false, context.RequestAborted);
        ManagementHttp.Audit(context, body.NewStorageCredential is null ? "remove-storage-credential" : "rotate-storage-credential", "warehouse:" + warehouseId,
            updated is not null ? "done" : "refused: " + checks.Describe());
        return updated is not null
            ? TypedResults.Ok(WarehouseService.Describe(updated))
            : checks.Failed ? ManagementErrors.BadRequest("Invalid storage credential: " + checks.Describe()) : ManagementErrors.NoSuchWarehouse(warehouseId.ToString());
    }

    private static async Task<Results<Ok<ValidateWarehouseResponse>, ApiError>> ValidateCredential(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, WarehouseStorageService storage,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (body, warehouse, error) = await ReadCredentialAsync(context, warehouses, authorizer, warehouseId, specChange: null);
        if (body is null)
        {
            return error!;
        }

        var (checks, _) = await storage.UpdateCredentialAsync(warehouse!, body.NewStorageCredential, dryRun: true, context.RequestAborted);
        return TypedResults.Ok(checks.ToResponse());
    }

    /// <param name="specChange">What the request changes (checked against managed-by), or null for a dry run.</param>
    private static async Task<(UpdateWarehouseCredentialRequest? Body, WarehouseRecord? Warehouse, ApiError? Error)> ReadCredentialAsync(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, Guid warehouseId, string? specChange)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.UpdateWarehouseCredentialRequest);
        if (body is null)
        {
            return (null, null, error);
        }

        var (warehouse, denied) = specChange is null
            ? await AuthorizedAsync(context, warehouses, authorizer, warehouseId, CanUpdateStorage)
            : await AuthorizedSpecChangeAsync(context, warehouses, authorizer, warehouseId, CanUpdateStorage, specChange);
        return warehouse is null ? (null, null, denied) : (body, warehouse, null);
    }

    private static async Task<Results<Ok<ValidateWarehouseResponse>, ApiError>> ValidateAccess(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, WarehouseStorageService storage,
        [FromRoute(Name = "warehouse_id")] Guid warehouseId)
    {
        var (warehouse, error) = await AuthorizedAsync(context, warehouses, authorizer, warehouseId, Relations.CanGetMetadata);
        return warehouse is null ? error! : TypedResults.Ok((await storage.ValidateStoredAsync(warehouse, context.RequestAborted)).ToResponse());
    }

    /// <summary>
    /// <see cref="AuthorizedAsync"/> for a change of the warehouse's spec (<paramref name="what"/> names it in
    /// the error): a warehouse <c>managed-by: instance-admin</c> accepts it only from an instance administrator (403).
    /// </summary>
    private static async Task<(WarehouseRecord? Warehouse, ApiError? Error)> AuthorizedSpecChangeAsync(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, Guid warehouseId, string action, string what)
    {
        var (warehouse, error) = await AuthorizedAsync(context, warehouses, authorizer, warehouseId, action);
        if (warehouse is null)
        {
            return (null, error);
        }

        var admins = context.RequestServices.GetRequiredService<InstanceAdministrators>();
        var denied = await admins.RequireForSpecChangeAsync(ManagementHttp.CurrentCaller(context), warehouse, what, context.RequestAborted);
        if (denied is not null)
        {
            ManagementHttp.Audit(context, "change-managed-warehouse", "warehouse:" + warehouseId, "refused: " + what + " needs an instance administrator");
        }

        return denied is null ? (warehouse, null) : (null, denied);
    }

    /// <summary>
    /// The warehouse, if it exists and the caller may do <paramref name="action"/> on it; otherwise 404 when
    /// the caller may not even see it (hidden, the same body as a missing one), 403 when it may.
    /// </summary>
    internal static async Task<(WarehouseRecord? Warehouse, ApiError? Error)> AuthorizedAsync(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, Guid warehouseId, string action)
    {
        var warehouse = await warehouses.GetAsync(new WarehouseId(warehouseId), context.RequestAborted);
        var notFound = ManagementErrors.NoSuchWarehouse(warehouseId.ToString());
        if (warehouse is null)
        {
            return (null, notFound);
        }

        var caller = ManagementHttp.Caller(context);
        var target = AuthzObject.Warehouse(warehouseId.ToString());
        if (!await authorizer.CheckAsync(caller, target, action, context.RequestAborted))
        {
            var visible = action != Relations.CanGetMetadata && await authorizer.CheckAsync(caller, target, Relations.CanGetMetadata, context.RequestAborted);
            return (null, visible ? ManagementErrors.Forbidden($"Forbidden: {action} on {target.Type}") : notFound);
        }

        return (warehouse, null);
    }
}
