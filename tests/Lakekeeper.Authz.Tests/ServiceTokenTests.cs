using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Lakekeeper.Abstractions.Hosting;
using Lakekeeper.Authz.Tests.Infrastructure;
using Lakekeeper.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Authz.Tests;

/// <summary>
/// Issue 14, defect 11: the internal gRPC port bound 0.0.0.0 and accepted any caller, so reaching it
/// was enough to write authorization tuples. It binds loopback unless opened, and with
/// <c>LAKEKEEPER__SERVICE_TOKEN</c> every internal call must carry the token.
/// </summary>
public sealed class ServiceTokenTests
{
    private const string Token = "internal-token-for-tests";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_internal_port_refuses_calls_without_the_token_and_serves_those_with_it()
    {
        await using var server = await StartServerAsync(("SERVICE_TOKEN", Token));
        var (_, internalAddress) = await Hosts.ListenersAsync(server);
        using var channel = GrpcChannel.ForAddress(internalAddress);
        var health = new Health.HealthClient(channel);

        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(async () =>
            await health.CheckAsync(new HealthCheckRequest(), new Metadata { { ServiceToken.HeaderName, Token + "x" } }, DateTime.UtcNow.AddSeconds(30), Ct));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);

        var reply = await health.CheckAsync(new HealthCheckRequest(), new Metadata { { ServiceToken.HeaderName, Token } }, DateTime.UtcNow.AddSeconds(30), Ct);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);

        // A module host configured with the same token reaches the authorizer; one without it does not.
        using var withToken = await Hosts.StartGenericAsync(b => b.AddAuthz(), ("Authz:Endpoint", internalAddress.ToString()), ("SERVICE_TOKEN", Token));
        Assert.True(await withToken.Services.GetRequiredService<IAuthorizer>().CheckAsync(new Principal("oidc~alice"), AuthzObject.Warehouse("0191a0f5-1d2e-7000-8000-000000000001"), Relations.CanCreateNamespace, Ct));
        using var withoutToken = await Hosts.StartGenericAsync(b => b.AddAuthz(), ("Authz:Endpoint", internalAddress.ToString()));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
            await withoutToken.Services.GetRequiredService<IAuthorizer>().CheckAsync(new Principal("oidc~alice"), AuthzObject.Warehouse("0191a0f5-1d2e-7000-8000-000000000001"), Relations.CanCreateNamespace, Ct));
    }

    [Fact]
    public async Task The_internal_port_binds_loopback_by_default_even_when_the_public_port_does_not()
    {
        await using var server = await StartServerAsync(("Server:BindAddress", "0.0.0.0"));
        var addresses = Hosts.Addresses(server);
        Assert.Contains(addresses, a => a.Host == "0.0.0.0");
        Assert.Contains(addresses, a => a.Host == "127.0.0.1");
    }

    [Fact]
    public async Task An_open_internal_port_without_a_token_stops_the_host()
    {
        var error = await Assert.ThrowsAsync<FatalStartupException>(async () =>
        {
            await using var server = await StartServerAsync(("Server:InternalBindAddress", "0.0.0.0"));
        });
        Assert.Contains(ServiceToken.Variable, error.Message, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartServerAsync(params (string Key, string? Value)[] extra)
    {
        var builder = Hosts.Builder("authz", Hosts.Settings([("Server:InternalPort", "0"), .. extra]));
        builder.AddAuthzServer();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapAuthzServer();
        try
        {
            await app.StartAsync(Ct);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
