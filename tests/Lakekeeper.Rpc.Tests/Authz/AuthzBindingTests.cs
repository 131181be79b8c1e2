using Lakekeeper.Authz;
using Lakekeeper.Authz.Remote;
using Lakekeeper.Rpc.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Rpc.Tests.Authz;

/// <summary>Which IAuthorizer a host gets, and the start-up errors of bad settings.</summary>
public sealed class AuthzBindingTests
{
    private static readonly Principal Alice = new("oidc~alice");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_an_endpoint_the_engine_runs_in_process()
    {
        using var host = await StartAsync(builder => builder.AddAuthz());
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        var local = Assert.IsType<LocalAuthorizer>(Assert.IsType<MeasuredAuthorizer>(authorizer).Inner);
        Assert.Equal("allowall", local.Backend);
        Assert.Same(authorizer, host.Services.GetRequiredService<IAuthorizer>());
    }

    [Fact]
    public async Task With_an_endpoint_it_is_a_grpc_client()
    {
        using var host = await StartAsync(builder => builder.AddAuthz(), ("Authz:Endpoint", "http://authz.internal:8182"), ("Authz:CheckCacheMs", "0"));
        var client = Assert.IsType<RpcAuthorizer>(Assert.IsType<MeasuredAuthorizer>(host.Services.GetRequiredService<IAuthorizer>()).Inner);
        Assert.Equal(new Uri("http://authz.internal:8182"), client.Endpoint);
    }

    [Fact]
    public async Task With_an_endpoint_and_the_default_settings_checks_are_cached_briefly()
    {
        using var host = await StartAsync(builder => builder.AddAuthz(), ("Authz:Endpoint", "http://authz.internal:8182"));
        Assert.IsType<CheckCache>(host.Services.GetRequiredService<IAuthorizer>());
    }

    [Fact]
    public async Task The_authz_service_always_decides_in_process()
    {
        using var host = await StartAsync(builder => builder.AddAuthzServer(),
            ("Server:InternalPort", "0"), ("Server:ListenPort", "0"));
        Assert.IsType<LocalAuthorizer>(host.Services.GetRequiredService<IAuthorizer>());
    }

    [Fact]
    public async Task Several_modules_may_each_call_AddAuthz()
    {
        using var host = await StartAsync(builder =>
        {
            builder.AddAuthz();
            builder.AddAuthz();
            builder.AddAuthz();
        });
        Assert.Single(host.Services.GetServices<IAuthorizer>());
        Assert.Single(host.Services.GetServices<Lakekeeper.Abstractions.Errors.IExceptionTranslator>().OfType<AuthorizerUnavailableTranslator>());
        Assert.True(await host.Services.GetRequiredService<IAuthorizer>().CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanDrop, TestToken));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_authz_service_is_never_a_client_of_itself(bool serverFirst)
    {
        using var host = await StartAsync(builder =>
        {
            if (serverFirst)
            {
                builder.AddAuthzServer();
                builder.AddAuthz();
            }
            else
            {
                builder.AddAuthz();
                builder.AddAuthzServer();
            }
        }, ("Authz:Endpoint", "http://authz:8182"), ("Server:InternalPort", "0"));
        Assert.IsType<LocalAuthorizer>(host.Services.GetRequiredService<IAuthorizer>());
    }

    [Fact]
    public async Task Allowall_in_process()
    {
        using var host = await StartAsync(builder => builder.AddAuthz(), ("Authz:Backend", "AllowAll"));
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        Assert.True(await authorizer.CheckAsync(Alice, AuthzObject.Namespace("n1"), Relations.CanCreateTable, TestToken));
        Assert.Equal([true, true], await authorizer.BatchCheckAsync(Alice,
            [new(AuthzObject.Table("t1"), Relations.CanDrop), new(AuthzObject.View("v1"), Relations.CanRename)], TestToken));
        Assert.Same(ObjectList.All, await authorizer.ListObjectsAsync(Alice, ObjectTypes.Warehouse, Relations.CanIncludeInList, cancellationToken: TestToken));
        var grant = new Relationship(AuthzSubject.AllUsers, Relations.Describe, AuthzObject.Project("p1"));
        await authorizer.WriteRelationshipsAsync([grant], TestToken);
        Assert.Empty((await authorizer.ReadRelationshipsAsync(new RelationshipQuery(AuthzObject.Project("p1")), TestToken)).Relationships);
        await authorizer.DeleteRelationshipsAsync([grant], TestToken);
    }

    [Theory]
    [InlineData("Can_Read_Data")]
    [InlineData("can read")]
    [InlineData("")]
    public async Task In_process_validation_rejects_bad_relations(string relation)
    {
        using var host = await StartAsync(builder => builder.AddAuthz());
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t1"), relation, TestToken));
    }

    [Fact]
    public async Task In_process_validation_rejects_bad_objects_subjects_and_principals()
    {
        using var host = await StartAsync(builder => builder.AddAuthz());
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, new AuthzObject("table", "t1"), Relations.CanDrop, TestToken));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("has space"), Relations.CanDrop, TestToken));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await authorizer.CheckAsync(new Principal(null, "r1"), AuthzObject.Table("t1"), Relations.CanDrop, TestToken));
        await Assert.ThrowsAsync<ArgumentException>(async () => await authorizer.WriteRelationshipsAsync(
            [new Relationship(new AuthzSubject(ObjectTypes.Role, "*"), Relations.Select, AuthzObject.Table("t1"))], TestToken));
        await Assert.ThrowsAsync<ArgumentException>(async () => await authorizer.BatchCheckAsync(
            Alice, Enumerable.Repeat(new CheckItem(AuthzObject.Table("t"), Relations.CanDrop), LocalAuthorizer.MaxBatchItems + 1).ToList(), TestToken));
    }

    [Theory]
    [InlineData("Authz:Backend", "nope", "LAKEKEEPER__AUTHZ__BACKEND: 'nope' is not a known backend; use one of: allowall")]
    [InlineData("Authz:Backend", "openfga", "LAKEKEEPER__AUTHZ__BACKEND: 'openfga' is not available in this build yet")]
    [InlineData("Authz:Endpoint", "authz:8182", "LAKEKEEPER__AUTHZ__ENDPOINT")]
    [InlineData("Authz:Endpoint", "ftp://authz:8182", "LAKEKEEPER__AUTHZ__ENDPOINT")]
    [InlineData("Authz:Endpoint", "http://authz:8182/some/path", "LAKEKEEPER__AUTHZ__ENDPOINT")]
    [InlineData("Authz:TimeoutMs", "0", "LAKEKEEPER__AUTHZ__TIMEOUTMS")]
    public async Task Bad_settings_stop_the_start_and_name_the_variable(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(builder => builder.AddAuthz(), (key, value)));
        Assert.Contains(error.Failures, failure => failure.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_authz_service_requires_an_internal_port()
    {
        var builder = Hosts.Builder("authz", Hosts.Settings());
        builder.AddAuthzServer();
        await using var app = builder.Build();
        app.MapAuthzServer();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestToken));
        Assert.Contains(error.Failures, failure => failure.Contains("LAKEKEEPER__SERVER__INTERNALPORT is required", StringComparison.Ordinal));
    }

    private static async Task<IHost> StartAsync(Action<IHostApplicationBuilder> configure, params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => s.Value));
        builder.Logging.ClearProviders();
        configure(builder);
        var host = builder.Build();
        try
        {
            await host.StartAsync(TestToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
