using System.Net;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Abstractions.Hosting;
using Lakekeeper.Authz.Remote;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz;

public static class AuthzRegistration
{
    /// <summary>
    /// The service key under which a host that runs an authorization engine in process registers its
    /// <see cref="IAuthorizer"/> (<c>AddAuthzEngine()</c> of <c>services/authz</c>, used by the
    /// standalone host). Modules never register it.
    /// </summary>
    public const string InProcessKey = "lakekeeper.authz.in-process";

    /// <summary>The name of the gRPC client of the authz service in the client factory.</summary>
    public const string ClientName = "lakekeeper-authz";

    /// <summary>The channel address when several authz replicas are configured (the static resolver serves it).</summary>
    private const string StaticAddress = "static:///lakekeeper-authz";

    /// <summary>
    /// Registers <see cref="IAuthorizer"/> for a module (catalog, management, signer): the gRPC client of
    /// the authz service when <c>LAKEKEEPER__AUTHZ__ENDPOINT</c> is set (microservices), else the engine
    /// the host runs in process (standalone). A host with neither stops at start with a message naming
    /// the variable. Also maps <see cref="AuthorizerUnavailableException"/> to 503 (with Retry-After)
    /// and <see cref="AuthzArgumentException"/> to 400 in the error boundary. Several modules of one
    /// host may each call it.
    /// </summary>
    public static IHostApplicationBuilder AddAuthz(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(GrpcAuthorizer)))
        {
            return builder;
        }

        services.AddValidatedOptions<AuthzOptions>(builder.Configuration, AuthzOptions.Section);
        // The backend the authz service runs, resolved from the same settings (LAKEKEEPER__AUTHZ_BACKEND, the default
        // with an identity provider), so that this process reports it as the engine's process does.
        var backend = AuthzBackendSelection.Resolve(builder.Configuration).Backend;
        services.PostConfigure<AuthzOptions>(options => options.Backend = backend);
        services.AddSingleton<IValidateOptions<AuthzOptions>, DecisionSourceValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExceptionTranslator, AuthorizerUnavailableTranslator>());
        services.AddSingleton<GrpcAuthorizer>();
        services.AddMetrics();
        services.TryAddSingleton<AuthzMetrics>();
        services.TryAddSingleton<IAuthorizer>(static sp =>
        {
            var settings = sp.GetRequiredService<IOptions<AuthzOptions>>().Value;
            // Calls are timed under the check cache: the histogram shows what reached the authorizer.
            var metrics = sp.GetRequiredService<AuthzMetrics>();
            if (settings.EndpointUri is null)
            {
                return new MeasuredAuthorizer(sp.GetRequiredKeyedService<IAuthorizer>(InProcessKey), metrics);
            }

            var remote = new MeasuredAuthorizer(sp.GetRequiredService<GrpcAuthorizer>(), metrics);
            return settings.CheckCacheMs > 0 ? new CheckCache(remote, TimeSpan.FromMilliseconds(settings.CheckCacheMs)) : remote;
        });

        AddClient(services);
        services.AddHostedService<AuthzClientWarmup>();

        // Grpc.Net.Client logs every failed call at Error; GrpcAuthorizer logs it once, as a warning with
        // the method, status and cause, and the caller answers 503.
        builder.Logging.AddFilter("Grpc.Net.Client.Internal.GrpcCall", LogLevel.Critical);
        return builder;
    }

    private static void AddClient(IServiceCollection services)
    {
        // Several authz replicas: a static resolver hands the channel every address, or the DNS resolver
        // every address of one name (re-resolved periodically and when a connection fails), and
        // round_robin spreads calls over those whose connection is up (a replica that refuses connections
        // is skipped until it accepts again). One address: a plain channel, as before.
        services.AddSingleton<ResolverFactory>(static sp => new StaticResolverFactory(_ =>
            [.. sp.GetRequiredService<IOptions<AuthzOptions>>().Value.EndpointUris.Select(static uri => new BalancerAddress(uri.Host, uri.Port))]));
        services.AddSingleton<ResolverFactory>(static sp =>
            new DnsResolverFactory(TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<AuthzOptions>>().Value.DnsRefreshSeconds)));
        var client = services.AddGrpcClient<V1.Authorizer.AuthorizerClient>(ClientName, static (sp, client) =>
            {
                // Resolved when the first call is made, after the settings were validated at start.
                var settings = sp.GetRequiredService<IOptions<AuthzOptions>>().Value;
                client.Address = settings.EndpointUris.Count > 1 ? new Uri(StaticAddress) : settings.EndpointUri;
            })
            // The service token (LAKEKEEPER__SERVICE_TOKEN) on every call, when configured: the authz
            // service refuses internal calls without it. An interceptor, so it applies whatever handler
            // the channel uses (several replicas bring their own).
            .AddInterceptor(static sp => new ServiceTokenInterceptor(sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()[ServiceToken.Key]))
            .ConfigureChannel(static (sp, channel) =>
            {
                var settings = sp.GetRequiredService<IOptions<AuthzOptions>>().Value;
                if (settings.EndpointUris.Count > 1 || settings.ResolvesWithDns)
                {
                    // Client-side balancing needs the channel to own a bare SocketsHttpHandler (it sets the
                    // handler's ConnectCallback per address); the factory's pipeline (service discovery)
                    // wraps the handler in a way Grpc.Net.Client refuses, and adds nothing for literal addresses.
                    channel.HttpHandler = CreateHandler();
                    channel.DisposeHttpClient = true;
                    channel.ServiceProvider = sp;
                    channel.Credentials = settings.EndpointUri!.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
                    channel.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
                }
            })
            .ConfigurePrimaryHttpMessageHandler(CreateHandler);
        // Every call has a deadline and a failure answers 503 with Retry-After: a resilience pipeline
        // from the host's HttpClient defaults (timeouts, retries) would race the deadline. Removing it is
        // the library's documented opt-out, still marked experimental (EXTEXP0001) at 10.10.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        // Cleartext HTTP/2 to the internal port; a second connection opens when the server's
        // concurrent-stream limit is reached; idle connections are pinged so a dead peer is noticed.
        EnableMultipleHttp2Connections = true,
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    };

    private sealed class ServiceTokenInterceptor(string? token) : Grpc.Core.Interceptors.Interceptor
    {
        public override Grpc.Core.AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithToken(context));

        public override Grpc.Core.AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
            TRequest request, Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse> context,
            AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithToken(context));

        private Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(
            Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class
            where TResponse : class
        {
            if (string.IsNullOrEmpty(token))
            {
                return context;
            }

            var headers = context.Options.Headers ?? [];
            headers.Add(ServiceToken.HeaderName, token);
            return new Grpc.Core.Interceptors.ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }
    }

    /// <summary>Without an endpoint, this host must run an engine itself: otherwise nothing could decide.</summary>
    private sealed class DecisionSourceValidator(IServiceProvider services) : IValidateOptions<AuthzOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthzOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.Endpoint)
                || services.GetService<IServiceProviderIsKeyedService>()?.IsKeyedService(typeof(IAuthorizer), InProcessKey) == true)
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(
                $"{SettingNames.ToVariable(AuthzOptions.Section, nameof(AuthzOptions.Endpoint))} is required: this service runs no "
                + "authorization engine of its own; set it to the authz service's gRPC address, like http://authz:8182");
        }
    }
}
