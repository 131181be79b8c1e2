using Lakekeeper.Authz;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Storage.Profiles;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Api;

/// <summary><c>GET /catalog/v1/config?warehouse=</c>: the warehouse prefix, defaults and the endpoint list.</summary>
internal static class ConfigApi
{
    /// <summary>The header that selects the project, as on the management API.</summary>
    public const string ProjectHeader = "x-project-id";

    public static void MapConfigApi(this RouteGroupBuilder catalog) => catalog.MapGet("/config", GetConfig);

    private static async Task<IResult> GetConfig(
        HttpContext context, WarehouseResolver warehouses, AccessGuard access, IOptions<CatalogOptions> options,
        IOptions<DefaultProjectOptions> defaultProject, string? warehouse = null)
    {
        var settings = options.Value;
        var requested = warehouse ?? settings.DefaultWarehouse;
        if (string.IsNullOrEmpty(requested))
        {
            return CatalogResponse.Error(IcebergError.BadRequest("The 'warehouse' query parameter is required: the name of a warehouse (or <project-id>/<name>)"));
        }

        // "<project-id>/<name>" picks a project; a bare name means the project of x-project-id (as on
        // management calls), else the default project.
        var project = defaultProject.Value.ProjectId;
        var projectHeader = context.Request.Headers[ProjectHeader].ToString();
        if (projectHeader.Length > 0)
        {
            if (!Guid.TryParse(projectHeader, out var fromHeader))
            {
                return CatalogResponse.Error(IcebergError.BadRequest($"The {ProjectHeader} header must be a project id (a UUID)"));
            }

            project = new ProjectId(fromHeader);
        }

        var name = requested;
        var slash = requested.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && Guid.TryParse(requested.AsSpan(0, slash), out var projectId))
        {
            project = new ProjectId(projectId);
            name = requested[(slash + 1)..];
        }

        var resolved = await warehouses.ByNameAsync(project, name, context.RequestAborted);
        if (resolved is null)
        {
            return CatalogResponse.Error(CatalogErrors.NoSuchWarehouse(requested));
        }

        if (await access.RequireAsync(AuthzObject.Warehouse(resolved.Id.ToString()), Relations.CanGetConfig,
                () => CatalogErrors.NoSuchWarehouse(requested), context.RequestAborted) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        return CatalogResponse.Json(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("defaults");
            w.WriteString("rest-page-size", settings.PageSizeDefault.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (key, value) in resolved.ClientConfig)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            w.WriteStartObject("overrides");
            w.WriteString("prefix", resolved.Id.ToString());
            w.WriteEndObject();
            w.WriteStringArray("endpoints", resolved.Profile is S3StorageProfile { IsRemoteSigningEnabled: true }
                ? [.. CatalogEndpoints.For(settings), CatalogEndpoints.SignTable]
                : CatalogEndpoints.For(settings));
            w.WriteString("idempotency-key-lifetime", System.Xml.XmlConvert.ToString(settings.IdempotencyKeyLifetime));
            w.WriteEndObject();
        }));
    }
}
