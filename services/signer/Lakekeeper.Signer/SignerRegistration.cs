using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Authz;
using Lakekeeper.Persistence;
using Lakekeeper.Security;
using Lakekeeper.Signer.Api;
using Lakekeeper.Signer.Services;
using Lakekeeper.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lakekeeper.Signer;

public static class SignerRegistration
{
    /// <summary>
    /// The S3 signer module: signs engines' S3 requests for data inside the tables they may use, with
    /// the warehouse's credential (docs/signing.md). Its dependencies: the shared database, warehouse
    /// storage and secrets, and the authorizer.
    /// </summary>
    public static WebApplicationBuilder AddSigner(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddLakekeeperDatabase(builder.Configuration);
        services.AddLakekeeperStorage(builder.Configuration);
        services.AddSecretProtection(builder.Configuration);
        builder.AddLakekeeperAuthentication();
        builder.AddAuthz();
        services.AddValidatedOptions<SignerOptions>(builder.Configuration, SignerOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SignerWarehouses>();
        services.AddSingleton<SignerTables>();
        services.AddSingleton<SignerAccess>();
        services.AddSingleton<SignService>();
        return builder;
    }

    /// <summary>
    /// Maps the sign routes under <c>/catalog/v1</c>: the Iceberg spec's per-table
    /// <c>{prefix}/namespaces/{namespace}/tables/{table}/sign</c>, Lakekeeper's
    /// <c>signer/{prefix}/tabular-id/{id}/v1/aws/s3/sign</c> and <c>{prefix}/v1/aws/s3/sign</c>, and
    /// the legacy <c>aws/s3/sign</c> (a 400: a warehouse is required).
    /// </summary>
    public static IEndpointRouteBuilder MapSignerApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/catalog/v1").RequireCaller().MapSignApi();
        return endpoints;
    }
}
