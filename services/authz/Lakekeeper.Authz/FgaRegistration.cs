using Lakekeeper.Authz.Engines;
using Lakekeeper.Authz.Fga;
using Lakekeeper.Authz.OpenFgaApi;
using Lakekeeper.Persistence;
using Lakekeeper.Abstractions.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz;

/// <summary>
/// What a process that runs an authorization engine adds for the backends beyond <c>allowall</c>: the
/// backend chosen by <see cref="AuthzBackendSelection"/>, the Postgres store of the <c>builtin</c> engine,
/// the <c>openfga</c> client, and the OpenFGA-compatible HTTP API (<c>LAKEKEEPER__AUTHZ__OPENFGA_API_PORT</c>).
/// </summary>
public static class FgaRegistration
{
    internal static void AddFgaEngine(IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var (backend, conflict) = AuthzBackendSelection.Resolve(configuration);
        services.PostConfigure<AuthzOptions>(options => options.Backend = backend);
        if (conflict is not null)
        {
            services.AddSingleton<IValidateOptions<AuthzOptions>>(new ConflictValidator(conflict));
        }

        services.AddValidatedOptions<OpenFgaApiOptions>(configuration, AuthzOptions.Section);
        services.AddValidatedOptions<OpenFgaOptions>(configuration, OpenFgaOptions.Section);
        var api = configuration.GetSection(AuthzOptions.Section).Get<OpenFgaApiOptions>() ?? new OpenFgaApiOptions();
        if (backend == AuthzBackends.Builtin || api.Enabled)
        {
            services.AddLakekeeperDatabase(configuration);
            services.TryAddSingleton<FgaStoreRepository>();
            services.TryAddSingleton<FgaTupleRepository>();
            services.TryAddSingleton<TupleCache>();
            services.AddHostedService(static sp => sp.GetRequiredService<TupleCache>());
            services.TryAddSingleton<FgaService>();
            services.TryAddSingleton<LakekeeperStore>();
        }

        if (api.Enabled)
        {
            services.AddSingleton<IConfigureOptions<KestrelServerOptions>, OpenFgaPort.KestrelSetup>();
            services.AddSingleton<IStartupFilter, OpenFgaGate>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, OpenFgaPort.Policy>());
        }

        if (backend == AuthzBackends.OpenFga)
        {
            services.AddSingleton<IValidateOptions<OpenFgaOptions>, OpenFgaBackendValidator>();
            services.TryAddSingleton(TimeProvider.System);
            // The call has its own timeout (LAKEKEEPER__AUTHZ__TIMEOUTMS) and failures answer 503: the
            // host's standard resilience pipeline (retries with backoff) would race it, so it opts out.
#pragma warning disable EXTEXP0001
            services.AddHttpClient<OpenFgaHttpClient>((sp, http) =>
                    http.Timeout = TimeSpan.FromMilliseconds(sp.GetRequiredService<IOptions<AuthzOptions>>().Value.TimeoutMs))
                .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        }
    }

    /// <summary>
    /// Maps the OpenFGA-compatible HTTP API when <c>LAKEKEEPER__AUTHZ__OPENFGA_API_PORT</c> is set (the
    /// authz service and the standalone host); nothing otherwise.
    /// </summary>
    public static IEndpointRouteBuilder MapOpenFgaApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<IOptions<OpenFgaApiOptions>>()?.Value is { Enabled: true })
        {
            OpenFgaApiEndpoints.Map(endpoints);
        }

        return endpoints;
    }

    private sealed class ConflictValidator(string message) : IValidateOptions<AuthzOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthzOptions options) => ValidateOptionsResult.Fail(message);
    }
}
