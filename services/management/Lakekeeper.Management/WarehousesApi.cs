using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Management;

internal static class WarehousesApi
{
    public static void MapWarehousesApi(this RouteGroupBuilder management)
    {
        management.MapPost("/warehouse", CreateWarehouse);
        management.MapGet("/warehouse", ListWarehouses);
        management.MapGet("/warehouse/{warehouseId:guid}", GetWarehouse);
        management.MapDelete("/warehouse/{warehouseId:guid}", DeleteWarehouse);
        management.MapPost("/warehouse/{warehouseId:guid}/storage", UpdateStorage);
        management.MapPost("/warehouse/{warehouseId:guid}/storage/validate-profile", ValidateStorage);
    }

    private static async Task<IResult> UpdateStorage(HttpContext context, WarehouseStorageService service, Guid warehouseId)
    {
        var body = await ManagementJson.ReadBodyAsync(context.Request);
        var (error, _, updated) = await service.UpdateAsync(new WarehouseId(warehouseId), body, dryRun: false, context.RequestAborted);
        return error is not null
            ? error.ToResult()
            : new JsonResult(200, ManagementJson.Write(w => WarehouseService.Describe(w, updated!)));
    }

    private static async Task<IResult> ValidateStorage(HttpContext context, WarehouseStorageService service, Guid warehouseId)
    {
        var body = await ManagementJson.ReadBodyAsync(context.Request);
        var (error, checks, _) = await service.UpdateAsync(new WarehouseId(warehouseId), body, dryRun: true, context.RequestAborted);
        return error is not null
            ? error.ToResult()
            : new JsonResult(200, ManagementJson.Write(w => WarehouseStorageService.WriteReport(w, checks)));
    }

    private static async Task<IResult> CreateWarehouse(HttpContext context, WarehouseService service)
    {
        if (!ProjectsApi.TryCurrent(context, out var project))
        {
            return ManagementErrors.BadRequest($"{ProjectsApi.ProjectHeader} must be a UUID").ToResult();
        }

        var body = await ManagementJson.ReadBodyAsync(context.Request);
        var (error, created) = await service.CreateAsync(project, body, context.RequestAborted);
        return error is not null
            ? error.ToResult()
            : new JsonResult(201, ManagementJson.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("warehouse-id", created!.Id.Value);
                w.WriteEndObject();
            }));
    }

    private static async Task<IResult> ListWarehouses(HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, ICallerAccessor callers)
    {
        var project = ProjectId.Default;
        var requested = context.Request.Query["project-id"].ToString();
        if (requested.Length > 0)
        {
            if (!Guid.TryParse(requested, out var id))
            {
                return ManagementErrors.BadRequest("project-id must be a UUID").ToResult();
            }

            project = new ProjectId(id);
        }
        else if (!ProjectsApi.TryCurrent(context, out project))
        {
            return ManagementErrors.BadRequest($"{ProjectsApi.ProjectHeader} must be a UUID").ToResult();
        }

        var list = await warehouses.ListAsync(project, context.RequestAborted);
        var visible = await authorizer.ListObjectsAsync(IdentityHttp.ToPrincipal(callers.Current), ObjectTypes.Warehouse, Relations.CanIncludeInList,
            AuthzObject.Project(project.ToString()), context.RequestAborted);
        return new JsonResult(200, ManagementJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("warehouses");
            foreach (var warehouse in list.Where(x => visible.Contains(x.Id.ToString())))
            {
                WarehouseService.Describe(w, warehouse);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private static async Task<IResult> GetWarehouse(HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, ICallerAccessor callers, Guid warehouseId)
    {
        var warehouse = await warehouses.GetAsync(new WarehouseId(warehouseId), context.RequestAborted);
        if (warehouse is null
            || !await authorizer.CheckAsync(IdentityHttp.ToPrincipal(callers.Current), AuthzObject.Warehouse(warehouseId.ToString()), Relations.CanGetMetadata, context.RequestAborted))
        {
            return ManagementErrors.NoSuchWarehouse(warehouseId.ToString()).ToResult();
        }

        return new JsonResult(200, ManagementJson.Write(w => WarehouseService.Describe(w, warehouse)));
    }

    private static async Task<IResult> DeleteWarehouse(
        HttpContext context, WarehouseRepository warehouses, IAuthorizer authorizer, ICallerAccessor callers, AuditLog audit, Guid warehouseId)
    {
        if (!await authorizer.CheckAsync(IdentityHttp.ToPrincipal(callers.Current), AuthzObject.Warehouse(warehouseId.ToString()), Relations.CanDelete, context.RequestAborted))
        {
            return ManagementErrors.NoSuchWarehouse(warehouseId.ToString()).ToResult();
        }

        var outcome = await warehouses.DeleteAsync(new WarehouseId(warehouseId), context.RequestAborted);
        audit.Change(callers.Current, "delete-warehouse", "warehouse:" + warehouseId, outcome.ToString());
        return outcome switch
        {
            WarehouseDeleteOutcome.Deleted => TypedResults.NoContent(),
            WarehouseDeleteOutcome.NotEmpty => ManagementErrors.NotEmpty($"Warehouse {warehouseId} is not empty: drop its namespaces first").ToResult(),
            _ => ManagementErrors.NoSuchWarehouse(warehouseId.ToString()).ToResult(),
        };
    }
}
