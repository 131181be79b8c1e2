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

        var builder = Hosts.Builder("catalog", Hosts.Settings(
            ("Authz:Endpoint", $"{first.InternalAddress.ToString().TrimEnd('/')}, {second.InternalAddress.ToString().TrimEnd('/')}"),
            ("Authz:TimeoutMs", "5000"),
            ("Authz:CheckCacheMs", "0")));
        builder.AddAuthz();
        await using var app = builder.Build();
        await app.StartAsync(TestToken);
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

    [Theory]
    [InlineData("http://a:1,authz:8182")]
    [InlineData("http://a:1,https://b:2")]
    [InlineData("http://a:1,")]
    public void A_bad_address_in_the_list_is_refused_naming_it(string endpoint)
    {
        var options = new AuthzOptions { Endpoint = endpoint };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.NotEmpty(results);
    }

    [Fact]
    public void Several_addresses_are_every_replica()
    {
        var options = new AuthzOptions { Endpoint = " http://10.0.0.5:8182 , http://10.0.0.6:8182" };
        Assert.Equal([new Uri("http://10.0.0.5:8182"), new Uri("http://10.0.0.6:8182")], options.EndpointUris);
        Assert.Equal(new Uri("http://10.0.0.5:8182"), options.EndpointUri);
    }
}
