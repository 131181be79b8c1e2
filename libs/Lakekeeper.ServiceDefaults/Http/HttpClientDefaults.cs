using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.ServiceDefaults.Http;

/// <summary>
/// Outgoing HTTP in Aspire's service-defaults shape: every <see cref="HttpClient"/> made by the client
/// factory resolves service names through <c>Microsoft.Extensions.ServiceDiscovery</c> (e.g.
/// <c>http://catalog</c> from the <c>services__catalog__http__0</c> setting an Aspire app host injects;
/// any other host is used as written) and runs through the standard resilience pipeline of
/// <c>Microsoft.Extensions.Http.Resilience</c> (total timeout, retries with backoff for transient
/// failures, circuit breaker, attempt timeout).
/// <para>
/// Two callers stay out of the resilience pipeline on purpose, because their own timeouts and retries
/// would race it: the authz gRPC client (a deadline on every call; it calls
/// <c>RemoveAllResilienceHandlers()</c>) and the gateway's forwarder (YARP builds its own
/// <see cref="HttpMessageInvoker"/>, not through the factory).
/// </para>
/// </summary>
internal static class HttpClientDefaults
{
    public static void AddHttpClientDefaults(IServiceCollection services)
    {
        services.AddServiceDiscovery();
        services.ConfigureHttpClientDefaults(static http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
    }
}
