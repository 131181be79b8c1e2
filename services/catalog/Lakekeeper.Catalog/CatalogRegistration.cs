using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Catalog.Api;
using Lakekeeper.Catalog.Delegation;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Catalog.Tasks;
using Lakekeeper.Persistence;
using Lakekeeper.Security;
using Lakekeeper.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lakekeeper.Catalog;

public static class CatalogRegistration
{
    /// <summary>The Iceberg REST catalog module: its services, storage, secrets, database and authorizer.</summary>
    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddLakekeeperDatabase(configuration);
        services.AddEndpointStatistics(configuration);
        services.AddLakekeeperStorage(configuration);
        services.AddSecretProtection(configuration);
        builder.AddLakekeeperAuthentication();
        builder.AddAuthz();
        services.AddAuthzOutbox();
        services.AddValidatedOptions<CatalogOptions>(configuration, CatalogOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WarehouseResolver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Lakekeeper.Abstractions.Errors.IExceptionTranslator, StorageCredentialUnavailableTranslator>());
        services.AddSingleton<MetadataCache>();
        services.AddSingleton<TabularStorage>();
        services.AddSingleton<TabularCreation>();
        services.AddSingleton<Identifiers>();
        services.AddSingleton<AccessGuard>();
        services.AddSingleton<IdempotencyGate>();
        services.AddHttpContextAccessor();
        services.AddSingleton<CatalogEvents>();
        services.AddSingleton<NamespaceService>();
        services.AddSingleton<TableService>();
        services.AddSingleton<ViewService>();
        services.AddSingleton<CommitRunner>();
        services.AddSingleton<TableMetadataKind>();
        services.AddSingleton<ViewMetadataKind>();
        services.AddSingleton<StorageDelegation>();
        services.AddSingleton<ChangeLogService>();
        services.AddValidatedOptions<TaskOptions>(configuration, string.Empty);
        services.AddSingleton<TabularPurges>();
        services.AddSingleton<ITaskHandler, SoftDeletionHandler>();
        services.AddSingleton<ITaskHandler, TabularPurgeHandler>();
        services.AddSingleton<ITaskHandler, TaskLogCleanupHandler>();
        services.AddHostedService<TaskWorkers>();
        return builder;
    }

    /// <summary>Maps the Iceberg REST API under <c>/catalog/v1</c>.</summary>
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder endpoints)
    {
        var catalog = endpoints.MapGroup("/catalog/v1").RequireCaller();
        catalog.MapConfigApi();
        catalog.MapNamespacesApi();
        catalog.MapTablesApi();
        catalog.MapViewsApi();
        catalog.MapTransactionsApi();
        // Read from configuration, not the validated options: resolving those here would throw on the
        // first bad catalog setting before start-up reports every bad setting by its variable name.
        var configuration = endpoints.ServiceProvider.GetRequiredService<IConfiguration>();
        if (configuration.GetValue(CatalogOptions.Section + ":" + nameof(CatalogOptions.EventsApi), defaultValue: true))
        {
            catalog.MapEventsApi();
        }

        return endpoints;
    }
}
