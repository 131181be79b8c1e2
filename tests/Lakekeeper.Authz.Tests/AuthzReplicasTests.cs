using Lakekeeper.Authz.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Authz.Tests;

/// <summary>
/// Several authz replicas in <c>LAKEKEEPER__AUTHZ__ENDPOINT</c> (comma-separated): a module host with the
/// service defaults (their HttpClient pipeline included) asks them through one balanced channel and keeps
/// being answered when one of them stops.
/// </summary>
public sealed class AuthzReplicasTests
{
    private static readonly Principal Alice = new("oidc~alice");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_of_two_replicas_is_answered_by_the_other_when_one_stops()
    {
        var first = new AuthzServer();
        await first.InitializeAsync();
        await using var second = new AuthzServer();
        await second.InitializeAsync();

        await using var app = await StartClientAsync($"{first.InternalAddress.ToString().TrimEnd('/')}, {second.InternalAddress.ToString().TrimEnd('/')}");
        var authorizer = app.Services.GetRequiredService<IAuthorizer>();

        for (var i = 0; i < 10; i++)
        {
            Assert.True(await authorizer.CheckAsync(Alice, AuthzObject.Warehouse("w1"), Relations.CanUse, TestToken));
        }

        await first.DisposeAsync();

        // Calls in flight on the stopped replica may fail; then the balancer skips it.
        var streak = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (streak < 20)
        {
            Assert.True(DateTime.UtcNow < deadline, "20 checks in a row were not answered by the remaining replica within 30 s");
            try
            {
                streak = await authorizer.CheckAsync(Alice, AuthzObject.Warehouse("w1"), Relations.CanUse, TestToken) ? streak + 1 : 0;
            }
            catch (AuthorizerUnavailableException)
            {
                streak = 0;
                await Task.Delay(50, TestToken);
            }
        }
    }

    [Fact]
    public async Task A_dns_name_is_resolved_to_its_replica_and_again_when_the_replica_comes_back()
    {
        var port = Hosts.ClosedPort();
        var first = new AuthzServer { InternalPort = port };
        await first.InitializeAsync();

        await using var app = await StartClientAsync($"dns:///localhost:{port}", ("Authz:DnsRefreshSeconds", "1"));
        var authorizer = app.Services.GetRequiredService<IAuthorizer>();
        Assert.True(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthzOptions>>().Value.ResolvesWithDns);

        for (var i = 0; i < 10; i++)
        {
            Assert.True(await authorizer.CheckAsync(Alice, AuthzObject.Warehouse("w1"), Relations.CanUse, TestToken));
        }

        // The name's only replica goes away: calls are refused as unavailable (503), not hung.
        await first.DisposeAsync();
        await UntilAsync(async () =>
        {
            try
            {
                await authorizer.CheckAsync(Alice, AuthzObject.Warehouse("w1"), Relations.CanUse, TestToken);
                return false;
            }
            catch (AuthorizerUnavailableException)
            {
                return true;
            }
        }, "a call to fail while no replica answers");

        // A replica is back behind the name: the channel resolves and connects again by itself.
        await using var second = new AuthzServer { InternalPort = port };
        await second.InitializeAsync();
        await UntilAsync(async () =>
        {
            try
            {
                return await authorizer.CheckAsync(Alice, AuthzObject.Warehouse("w1"), Relations.CanUse, TestToken);
            }
            catch (AuthorizerUnavailableException)
            {
                return false;
            }
        }, "the returned replica to answer");
    }

    /// <summary>A module host (the service defaults and their HttpClient pipeline included) whose authorizer asks <paramref name="endpoint"/>.</summary>
    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartClientAsync(string endpoint, params (string Key, string Value)[] extra)
    {
        var builder = Hosts.Builder("catalog", Hosts.Settings(
            [("Authz:Endpoint", endpoint), ("Authz:TimeoutMs", "5000"), ("Authz:CheckCacheMs", "0"), .. extra]));
        builder.AddAuthz();
        var app = builder.Build();
        await app.StartAsync(TestToken);
        return app;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after 30 s waiting for {what}");
            await Task.Delay(100, TestToken);
        }
    }

    [Theory]
    [InlineData("http://a:1,authz:8182")]
    [InlineData("http://a:1,https://b:2")]
    [InlineData("http://a:1,")]
    [InlineData("dns:///authz-headless")]
    [InlineData("dns:///authz-headless:8182/path")]
    [InlineData("dns://resolver/authz-headless:8182")]
    [InlineData("dns:///authz-headless:8182,http://a:1")]
    public void A_bad_address_in_the_list_is_refused_naming_it(string endpoint)
    {
        var options = new AuthzOptions { Endpoint = endpoint };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.NotEmpty(results);
    }

    [Fact]
    public void A_dns_name_with_its_port_is_accepted_and_resolved_with_dns()
    {
        var options = new AuthzOptions { Endpoint = "dns:///lk-lakekeeper-authz-headless.data.svc:8182" };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();

        Assert.True(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true),
            string.Join("; ", results.Select(r => r.ErrorMessage)));
        Assert.True(options.ResolvesWithDns);
        Assert.False(new AuthzOptions { Endpoint = "http://10.0.0.5:8182" }.ResolvesWithDns);
    }

    [Fact]
    public void Several_addresses_are_every_replica()
    {
        var options = new AuthzOptions { Endpoint = " http://10.0.0.5:8182 , http://10.0.0.6:8182" };
        Assert.Equal([new Uri("http://10.0.0.5:8182"), new Uri("http://10.0.0.6:8182")], options.EndpointUris);
        Assert.Equal(new Uri("http://10.0.0.5:8182"), options.EndpointUri);
    }
}
