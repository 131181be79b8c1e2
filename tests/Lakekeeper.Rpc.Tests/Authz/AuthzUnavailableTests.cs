using System.Net;
using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Remote;
using Lakekeeper.Authz.V1;
using Lakekeeper.Rpc.Tests.Infrastructure;
using Lakekeeper.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Rpc.Tests.Authz;

/// <summary>When no decision can be made, callers get 503 with Retry-After, never 403 and never 500.</summary>
public sealed class AuthzUnavailableTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unreachable_authz_service_is_a_503()
    {
        await using var app = await StartModuleHostAsync($"http://127.0.0.1:{Hosts.ClosedPort()}", timeoutMs: 5000);
        var (status, retryAfter, error) = await ProbeAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("1", retryAfter);
        Assert.Equal("ServiceUnavailableException", error.GetProperty("type").GetString());
        Assert.Equal(503, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task An_authz_service_that_does_not_answer_in_time_is_a_503()
    {
        var never = new TaskCompletionSource<CheckResponse>();
        await using var fake = await StartFakeAuthzAsync((_, context) => new ValueTask<CheckResponse>(never.Task.WaitAsync(context.CancellationToken)));
        await using var app = await StartModuleHostAsync(fake.Address.ToString(), timeoutMs: 200);
        var (status, _, error) = await ProbeAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("ServiceUnavailableException", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_failing_authz_service_is_a_503_and_its_details_stay_in_the_log()
    {
        await using var fake = await StartFakeAuthzAsync((_, _) => throw new RpcException(StatusCode.Internal, "database password wrong"));
        await using var app = await StartModuleHostAsync(fake.Address.ToString(), timeoutMs: 5000);
        var (status, _, error) = await ProbeAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.DoesNotContain("password", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_throws_authorizer_unavailable()
    {
        await using var app = await StartModuleHostAsync($"http://127.0.0.1:{Hosts.ClosedPort()}", timeoutMs: 5000);
        var authorizer = app.Services.GetRequiredService<IAuthorizer>();
        var error = await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
            await authorizer.CheckAsync(new Lakekeeper.Authz.Principal("u"), AuthzObject.Table("t"), Relations.CanReadData, TestToken));
        var rpc = Assert.IsType<RpcException>(error.InnerException);
        Assert.Equal(StatusCode.Unavailable, rpc.StatusCode);
    }

    /// <summary>A module host (catalog-like) bound to the authz service at <paramref name="endpoint"/>.</summary>
    private static async Task<WebApplication> StartModuleHostAsync(string endpoint, int timeoutMs)
    {
        var builder = Hosts.Builder("catalog", Hosts.Settings(
            ("Authz:Endpoint", endpoint), ("Authz:TimeoutMs", timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        builder.AddAuthz();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapGet("/probe", async (IAuthorizer authorizer, CancellationToken cancellationToken) =>
            await authorizer.CheckAsync(new Lakekeeper.Authz.Principal("oidc~alice"), AuthzObject.Warehouse("w1"), Relations.CanUse, cancellationToken)
                ? "allowed"
                : "denied");
        await app.StartAsync(TestToken);
        return app;
    }

    private static async Task<(HttpStatusCode Status, string? RetryAfter, JsonElement Error)> ProbeAsync(WebApplication app)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(Hosts.Addresses(app).Single(), "/probe"), TestToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestToken)).RootElement.Clone();
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null;
        return (response.StatusCode, retryAfter, body.GetProperty("error"));
    }

    /// <summary>An authz endpoint whose Check does what the test says.</summary>
    private static async Task<FakeAuthz> StartFakeAuthzAsync(UnaryHandler<CheckRequest, CheckResponse> check)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRpcServer();
        var app = builder.Build();
        app.MapUnary(AuthzRpcMethods.Check, check);
        await app.StartAsync(TestToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeAuthz(app, new Uri(address));
    }

    private sealed class FakeAuthz(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
