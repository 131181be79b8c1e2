using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management.Lifecycle;

internal static class LifecycleRegistration
{
    /// <summary>
    /// The lifecycle and task endpoints' services. Their typed results serialise through the HTTP JSON
    /// options: the lifecycle records first, in Lakekeeper's kebab-case (a source-generated context's
    /// naming policy applies only to its own options).
    /// </summary>
    public static IServiceCollection AddLifecycleManagement(this IServiceCollection services)
    {
        services.AddSingleton<LifecycleHttp>();
        services.AddSingleton<LifecycleEvents>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, LifecycleJson.Default);
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower;
        });
        return services;
    }
}
