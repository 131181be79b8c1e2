using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Grpc.Core;
using Lakekeeper.Authz.Tests.Infrastructure;
using Lakekeeper.Authz.V1;
using Lakekeeper.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Authz.Tests;

/// <summary>
/// The gRPC binding of IAuthorizer against authz services that fail: callers get 503 with Retry-After,
/// never 403 and never 500; every call carries a deadline and the caller's trace.
/// </summary>
public sealed class AuthzFailureTests
{
    private static readonly Principal Alice = new("oidc~alice");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unreachable_authz_service_is_a_503()
    {
        await using var app = await StartModuleHostAsync(new Uri($"http://127.0.0.1:{Hosts.ClosedPort()}"), timeoutMs: 5000);
        var (status, retryAfter, error) = await ProbeAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("1", retryAfter);
        Assert.Equal("ServiceUnavailableException", error.GetProperty("type").GetString());
        Assert.Equal(503, error.GetProperty("code").GetInt32());
        Assert.Equal("The authorization service is unavailable. Retry later.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_authz_service_that_does_not_answer_in_time_is_a_503()
    {
        await using var fake = await FakeAuthz.StartAsync(async (_, context) =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new CheckResponse();
        });
        await using var app = await StartModuleHostAsync(fake.Address, timeoutMs: 200);
        var (status, retryAfter, error) = await ProbeAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("1", retryAfter);
        Assert.Equal("ServiceUnavailableException", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_failing_authz_service_is_a_503_and_its_details_stay_in_the_log()
    {
        await using var fake = await FakeAuthz.StartAsync((_, _) => throw new RpcException(new Status(StatusCode.Internal, "database password wrong")));
        await using var app = await StartModuleHostAsync(fake.Address, timeoutMs: 5000);
        var (status, _, error) = await ProbeAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.DoesNotContain("password", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_argument_is_a_400_not_a_503()
    {
        await using var fake = await FakeAuthz.StartAsync((_, _) => throw new RpcException(new Status(StatusCode.InvalidArgument, "relation 'x y' may contain only a-z, 0-9 and _.")));
        await using var app = await StartModuleHostAsync(fake.Address, timeoutMs: 5000);
        var (status, retryAfter, error) = await ProbeAsync(app);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Null(retryAfter);
        Assert.Equal(400, error.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.Internal)]
    [InlineData(StatusCode.Unknown)]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.Cancelled)]
    public async Task Every_status_but_ok_and_invalid_argument_is_unavailable_never_a_denial(StatusCode code)
    {
        await using var fake = await FakeAuthz.StartAsync((_, _) => throw new RpcException(new Status(code, "no")));
        using var client = await Hosts.StartClientAsync(fake.Address, timeoutMs: 5000);
        var authorizer = client.Services.GetRequiredService<IAuthorizer>();
        var error = await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanReadData, TestToken));
        Assert.Equal(code, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task The_client_throws_authorizer_unavailable_when_nothing_listens()
    {
        using var client = await Hosts.StartClientAsync(new Uri($"http://127.0.0.1:{Hosts.ClosedPort()}"), timeoutMs: 5000);
        var authorizer = client.Services.GetRequiredService<IAuthorizer>();
        var error = await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanReadData, TestToken));
        Assert.Equal(StatusCode.Unavailable, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task The_deadline_is_enforced_by_the_client()
    {
        await using var fake = await FakeAuthz.StartAsync(async (_, _) =>
        {
            // Ignores its own deadline: the client must give up by itself.
            await Task.Delay(TimeSpan.FromSeconds(30), TestToken);
            return new CheckResponse { Allowed = true };
        });
        using var client = await Hosts.StartClientAsync(fake.Address, timeoutMs: 300);
        var authorizer = client.Services.GetRequiredService<IAuthorizer>();
        var error = await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanReadData, TestToken));
        Assert.Equal(StatusCode.DeadlineExceeded, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_an_outage()
    {
        using var started = new SemaphoreSlim(0);
        await using var fake = await FakeAuthz.StartAsync(async (_, context) =>
        {
            started.Release();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new CheckResponse();
        });
        using var client = await Hosts.StartClientAsync(fake.Address, timeoutMs: 30_000);
        var authorizer = client.Services.GetRequiredService<IAuthorizer>();
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(TestToken);
        var pending = authorizer.CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanReadData, caller.Token).AsTask();
        await started.WaitAsync(TestToken);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task Every_method_carries_the_configured_deadline()
    {
        await using var fake = await FakeAuthz.StartAsync();
        using var client = await Hosts.StartClientAsync(fake.Address, timeoutMs: 4000);
        var authorizer = client.Services.GetRequiredService<IAuthorizer>();
        var before = DateTime.UtcNow;
        var grant = new Relationship(AuthzSubject.User("alice"), Relations.Select, AuthzObject.Table("t"));
        await authorizer.CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanReadData, TestToken);
        await authorizer.BatchCheckAsync(Alice, [new(AuthzObject.Table("t"), Relations.CanDrop)], TestToken);
        await authorizer.ListObjectsAsync(Alice, ObjectTypes.Table, Relations.CanIncludeInList, cancellationToken: TestToken);
        await authorizer.WriteRelationshipsAsync([grant], TestToken);
        await authorizer.DeleteRelationshipsAsync([grant], TestToken);
        await authorizer.ReadRelationshipsAsync(new RelationshipQuery(AuthzObject.Table("t")), TestToken);
        var after = DateTime.UtcNow;

        Assert.Equal(
            ["Check", "BatchCheck", "ListObjects", "WriteRelationships", "DeleteRelationships", "ReadRelationships"],
            fake.Calls.Select(c => c.Method));
        Assert.All(fake.Calls, call =>
        {
            // grpc-timeout carries the remaining time; the server adds it to its own arrival time.
            Assert.InRange(call.Deadline, before.AddMilliseconds(3000), after.AddMilliseconds(4100));
        });
    }

    [Fact]
    public async Task The_server_continues_the_callers_trace()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == nameof(AuthzFailureTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(nameof(AuthzFailureTests));
        await using var fake = await FakeAuthz.StartAsync();
        using var client = await Hosts.StartClientAsync(fake.Address);
        var authorizer = client.Services.GetRequiredService<IAuthorizer>();

        using (var activity = source.StartActivity("caller"))
        {
            Assert.NotNull(activity);
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanReadData, TestToken);
            var traceParent = Assert.Single(fake.Calls).TraceParent;
            Assert.NotNull(traceParent);
            Assert.Matches($"^00-{activity.TraceId}-[0-9a-f]{{16}}-[0-9a-f]{{2}}$", traceParent);
        }
    }

    /// <summary>A module host (catalog-like) bound to the authz service at <paramref name="endpoint"/>.</summary>
    private static async Task<WebApplication> StartModuleHostAsync(Uri endpoint, int timeoutMs)
    {
        var builder = Hosts.Builder("catalog", Hosts.Settings(
            ("Authz:Endpoint", endpoint.ToString()),
            ("Authz:TimeoutMs", timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        builder.AddAuthz();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapGet("/probe", async (IAuthorizer authorizer, CancellationToken cancellationToken) =>
            await authorizer.CheckAsync(Alice, AuthzObject.Warehouse("w1"), Relations.CanUse, cancellationToken) ? "allowed" : "denied");
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
}
