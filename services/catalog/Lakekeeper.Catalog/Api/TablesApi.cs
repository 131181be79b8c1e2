using Lakekeeper.Catalog.Delegation;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Iceberg;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Storage.Profiles;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Api;

internal static class TablesApi
{
    public static void MapTablesApi(this RouteGroupBuilder catalog)
    {
        catalog.MapBoth("GET", "namespaces/{namespace}/tables", ListTables);
        catalog.MapBoth("POST", "namespaces/{namespace}/tables", CreateTable);
        catalog.MapBoth("POST", "namespaces/{namespace}/register", RegisterTable);
        catalog.MapBoth("GET", "namespaces/{namespace}/tables/{table}", LoadTable);
        catalog.MapBoth("HEAD", "namespaces/{namespace}/tables/{table}", TableExists);
        catalog.MapBoth("POST", "namespaces/{namespace}/tables/{table}", UpdateTable);
        catalog.MapBoth("DELETE", "namespaces/{namespace}/tables/{table}", DropTable);
        catalog.MapBoth("GET", "namespaces/{namespace}/tables/{table}/credentials", LoadCredentials);
        catalog.MapBoth("POST", "namespaces/{namespace}/tables/{table}/metrics", ReportMetrics);
        catalog.MapBoth("POST", "tables/rename", RenameTable);
    }

    private static Task<IResult> ListTables(HttpContext context, TableService tables, IOptions<CatalogOptions> options)
    {
        var extras = CatalogRequest.Extras(context);
        return CatalogRequest.ReadAsync(context, async warehouse =>
        {
            if (extras.IsFailure)
            {
                return extras.Error;
            }

            var paging = PagingFrom(context, options.Value);
            return paging.IsFailure
                ? paging.Error
                : await tables.ListAsync(warehouse, CatalogRequest.Namespace(context), paging.Value, context.RequestAborted);
        }, page => Render.Identifiers(page, extras.Value));
    }

    /// <summary>
    /// createTable. The answer the Idempotency-Key record keeps has the storage settings only; a table
    /// this request created in an S3 warehouse is answered with the data access it decides
    /// (docs/signing.md), so vended credentials are never stored.
    /// </summary>
    private static async Task<IResult> CreateTable(HttpContext context, TableService tables, StorageDelegation delegations)
    {
        (WarehouseContext Warehouse, MetadataDocument Table)? fresh = null;
        var answer = await CatalogRequest.MutateAsync<MetadataDocument>(context, "createTable",
            async (warehouse, body, completion) =>
            {
                var result = await tables.CreateAsync(warehouse, CatalogRequest.Namespace(context), body, completion, context.RequestAborted);
                fresh = result.IsSuccess ? (warehouse, result.Value) : null;
                return result;
            },
            Render.TableForClient);
        if (fresh is not ({ Profile: S3StorageProfile } warehouse, { Created: { } created, MetadataLocation: { } metadataLocation } table)
            || answer is not CatalogResponse { StatusCode: StatusCodes.Status200OK })
        {
            return answer;
        }

        var delegation = DelegationRequest.From(context);
        var plan = await delegations.PlanAsync(warehouse, created.Id, delegation, context.RequestAborted);
        var access = await delegations.ApplyAsync(warehouse, plan, created.Id, created.Location, created.Identifier, delegation, context.RequestAborted);
        return access.IsFailure
            ? Render.Error(access.Error)
            : Render.TableCreated(table, access.Value, VersionTags.Of(metadataLocation, "all", access.Value.Plan.ETagPart));
    }

    private static Task<IResult> RegisterTable(HttpContext context, TableService tables) =>
        CatalogRequest.MutateAsync<MetadataDocument>(context, "registerTable",
            (warehouse, body, completion) => tables.RegisterAsync(warehouse, CatalogRequest.Namespace(context), body, completion, context.RequestAborted),
            Render.TableForClient);

    private static Task<IResult> LoadTable(HttpContext context, TableService tables)
    {
        var query = context.Request.Query;
        var snapshots = query.ContainsKey("snapshots") ? query["snapshots"].ToString() : null;
        var delegation = DelegationRequest.From(context);
        return CatalogRequest.ReadAsync(context,
            warehouse => tables.LoadAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), snapshots,
                context.Request.Headers.IfNoneMatch.ToString(), delegation, context.RequestAborted),
            Render.TableLoaded);
    }

    private static Task<IResult> TableExists(HttpContext context, TableService tables) =>
        CatalogRequest.ReadAsync(context, warehouse => tables.ExistsAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), context.RequestAborted),
            Render.NoContent);

    private static Task<IResult> UpdateTable(HttpContext context, TableService tables) =>
        CatalogRequest.MutateAsync<MetadataDocument>(context, "updateTable",
            (warehouse, body, completion) => tables.CommitAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), body, completion, context.RequestAborted),
            Render.TableCommitted);

    /// <summary>
    /// dropTable: <c>purgeRequested</c> (the spec's default false; pyiceberg sends True/False) and
    /// Lakekeeper's <c>force</c> (drops a protected table, and drops at once under a soft delete profile).
    /// </summary>
    private static Task<IResult> DropTable(HttpContext context, TableService tables)
    {
        var purge = CatalogRequest.Flag(context, "purgeRequested");
        var force = CatalogRequest.Flag(context, "force");
        if (CatalogRequest.FirstError(purge, force) is { } invalid)
        {
            return Task.FromResult(Render.Error(invalid));
        }

        return CatalogRequest.MutateAsync<Done>(context, "dropTable",
            (warehouse, _, completion) => tables.DropAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), purge.Value, force.Value,
                completion, context.RequestAborted),
            Render.NoContent);
    }

    private static Task<IResult> LoadCredentials(HttpContext context, TableService tables) =>
        CatalogRequest.ReadAsync(context, warehouse => tables.CredentialsAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), context.RequestAborted),
            Render.StorageCredentials);

    private static Task<IResult> ReportMetrics(HttpContext context, TableService tables) =>
        CatalogRequest.ReadAsync(context, async warehouse =>
        {
            var body = await CatalogRequest.ReadBodyAsync(context.Request);
            return await tables.ReportMetricsAsync(warehouse, CatalogRequest.Namespace(context), CatalogRequest.Name(context), body, context.RequestAborted);
        }, Render.NoContent);

    private static Task<IResult> RenameTable(HttpContext context, TableService tables) =>
        CatalogRequest.MutateAsync<Done>(context, "renameTable",
            (warehouse, body, completion) => tables.RenameAsync(warehouse, body, completion, context.RequestAborted), Render.NoContent);

    internal static Result<Paging> PagingFrom(HttpContext context, CatalogOptions options)
    {
        var query = context.Request.Query;
        // The listing: its path names the warehouse, the namespace and the kind; `parent` narrows namespaces.
        var scope = new PageTokenScope(
            context.RequestServices.GetRequiredService<IPageTokenProtector>(),
            context.Request.Path.Value + "\n" + query["parent"].ToString());
        return Paging.From(query.ContainsKey("pageToken") ? query["pageToken"].ToString() : null,
            query.ContainsKey("pageSize") ? query["pageSize"].ToString() : null, options, scope);
    }
}
