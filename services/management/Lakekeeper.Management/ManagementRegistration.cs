using Lakekeeper.Authz;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Management.WebConsole;
using Lakekeeper.Management.Identity;
using Lakekeeper.Management.Lifecycle;
using Lakekeeper.Persistence;
using Lakekeeper.Security;
using Lakekeeper.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lakekeeper.Management;

public static class ManagementRegistration
{
    /// <summary>
    /// The management module: bootstrap, server info, projects, warehouses, users and roles,
    /// statistics, permission checks, and the API documentation.
    /// </summary>
    public static WebApplicationBuilder AddManagement(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddLakekeeperDatabase(builder.Configuration);
        services.AddEndpointStatistics(builder.Configuration);
        services.AddLakekeeperStorage(builder.Configuration);
        services.AddSecretProtection(builder.Configuration);
        builder.AddLakekeeperAuthentication();
        builder.AddAuthz();
        services.TryAddSingleton(TimeProvider.System);
        Lakekeeper.Authz.Hygiene.AuthzOutboxRegistration.AddAuthzOutbox(services);
        services.AddSingleton<ManagementAccess>();
        services.AddSingleton<WarehouseService>();
        services.AddSingleton<InstanceAdministrators>();
        services.AddSingleton<WarehouseStorageService>();
        services.AddManagementOpenApi();
        services.AddValidatedOptions<ConsoleOptions>(builder.Configuration, ConsoleOptions.Section);
        services.AddSingleton<ConsoleAssets>();
        services.AddLifecycleManagement();
        return builder;
    }

    /// <summary>
    /// Maps the management API under <c>/management/v1</c>, the API documentation, and the web console
    /// under <c>/ui</c> (with <c>/</c> redirecting there).
    /// </summary>
    public static IEndpointRouteBuilder MapManagementApi(this IEndpointRouteBuilder endpoints)
    {
        var management = endpoints.MapGroup("/management/v1").RequireCaller();
        management.MapServerApi();
        management.MapProjectsApi();
        management.MapWarehousesApi();
        management.MapUsersApi();
        management.MapRolesApi();
        management.MapStatisticsApi();
        management.MapActionsApi();
        management.MapLifecycleApi();
        management.MapTasksApi();
        management.MapPermissionsApi();
        endpoints.MapApiDocs();
        endpoints.MapConsole();
        return endpoints;
    }
}
