using System.Net;
using Lakekeeper.Authz;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Lakekeeper.ServiceDefaults.Tests;

/// <summary>
/// Outgoing HTTP in Aspire's service-defaults shape: clients from the factory get the standard
/// resilience pipeline and service discovery, except the authz gRPC client, whose deadline a retry
/// or a timeout of that pipeline would race. Real Kestrel on loopback as the upstream.
/// </summary>
public sealed class HttpClientDefaultsTests
{
    [Fact]
    public async Task A_client_from_the_factory_retries_a_transient_failure()
    {
        var calls = 0;
        await using var upstream = await TestHost.StartAsync(map: app => app.MapGet("/flaky", () =>
            Interlocked.Increment(ref calls) == 1 ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Text("ok")));
        await using var host = await TestHost.StartAsync();

        var client = host.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("anything");
        using var response = await client.GetAsync(new Uri(upstream.Client.BaseAddress!, "/flaky"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_service_name_resolves_through_service_discovery()
    {
        await using var upstream = await TestHost.StartAsync(map: app => app.MapGet("/who", () => Results.Text("upstream")));
        // The setting an Aspire app host injects for a referenced resource named "catalog".
        await using var host = await TestHost.StartAsync(settings: new()
        {
            ["services:catalog:http:0"] = upstream.Client.BaseAddress!.ToString(),
        });

        var client = host.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("anything");
        Assert.Equal("upstream", await client.GetStringAsync(new Uri("http://catalog/who")));
    }

    [Fact]
    public async Task The_authz_grpc_client_has_no_resilience_pipeline_and_other_clients_do()
    {
        await using var host = await TestHost.StartAsync(
            configure: builder => builder.AddAuthz(),
            settings: new() { ["Authz:Endpoint"] = "http://127.0.0.1:9" });
        var handlers = host.App.Services.GetRequiredService<IHttpMessageHandlerFactory>();

        Assert.DoesNotContain(Chain(handlers.CreateHandler(AuthzRegistration.ClientName)), h => h is ResilienceHandler);
        Assert.Contains(Chain(handlers.CreateHandler("anything")), h => h is ResilienceHandler);
    }

    private static IEnumerable<HttpMessageHandler> Chain(HttpMessageHandler handler)
    {
        for (HttpMessageHandler? current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            yield return current;
        }
    }
}
