using Lakekeeper.Authz.Remote;
using Lakekeeper.Authz.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Tests;

/// <summary>Which IAuthorizer a host gets, and the start-up errors of bad settings.</summary>
public sealed class AuthzBindingTests
{
    private static readonly Principal Alice = new("oidc~alice");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_that_runs_the_engine_decides_in_process_without_an_endpoint()
    {
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthzEngine());
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        var local = Assert.IsType<LocalAuthorizer>(Assert.IsType<MeasuredAuthorizer>(authorizer).Inner);
        Assert.Equal("allowall", local.Backend);
        Assert.Same(authorizer, host.Services.GetRequiredService<IAuthorizer>());
    }

    [Fact]
    public async Task A_module_host_without_an_engine_needs_an_endpoint()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Hosts.StartGenericAsync(builder => builder.AddAuthz()));
        Assert.Contains(error.Failures, failure => failure.StartsWith("LAKEKEEPER__AUTHZ__ENDPOINT is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_an_endpoint_it_is_a_grpc_client()
    {
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthz(),
            ("Authz:Endpoint", "http://authz.internal:8182"), ("Authz:CheckCacheMs", "0"));
        var client = Assert.IsType<GrpcAuthorizer>(Assert.IsType<MeasuredAuthorizer>(host.Services.GetRequiredService<IAuthorizer>()).Inner);
        Assert.Equal("http://authz.internal:8182", client.Endpoint);
    }

    [Fact]
    public async Task With_an_endpoint_the_engine_of_the_host_is_not_used()
    {
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthzEngine(),
            ("Authz:Endpoint", "http://authz.internal:8182"), ("Authz:CheckCacheMs", "0"));
        Assert.IsType<GrpcAuthorizer>(Assert.IsType<MeasuredAuthorizer>(host.Services.GetRequiredService<IAuthorizer>()).Inner);
    }

    [Fact]
    public async Task With_an_endpoint_and_the_default_settings_checks_are_cached_briefly()
    {
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthz(), ("Authz:Endpoint", "http://authz.internal:8182"));
        Assert.IsType<CheckCache>(host.Services.GetRequiredService<IAuthorizer>());
    }

    [Fact]
    public async Task The_authz_service_always_decides_in_process()
    {
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthzServer(),
            ("Server:InternalPort", "0"), ("Server:ListenPort", "0"));
        Assert.IsType<LocalAuthorizer>(host.Services.GetRequiredService<IAuthorizer>());
    }

    [Fact]
    public async Task Several_modules_may_each_call_AddAuthz()
    {
        using var host = await Hosts.StartGenericAsync(builder =>
        {
            builder.AddAuthzEngine();
            builder.AddAuthz();
            builder.AddAuthz();
            builder.AddAuthzEngine();
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
        using var host = await Hosts.StartGenericAsync(builder =>
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
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthzEngine(), ("Authz:Backend", "AllowAll"));
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
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthzEngine());
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("t1"), relation, TestToken));
    }

    [Fact]
    public async Task In_process_validation_rejects_bad_objects_subjects_and_principals()
    {
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthzEngine());
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, new AuthzObject("table", "t1"), Relations.CanDrop, TestToken));
        await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.CheckAsync(Alice, AuthzObject.Table("has space"), Relations.CanDrop, TestToken));
        await Assert.ThrowsAsync<AuthzArgumentException>(async () =>
            await authorizer.CheckAsync(Principal.Role("has space"), AuthzObject.Table("t1"), Relations.CanDrop, TestToken));
        await Assert.ThrowsAsync<AuthzArgumentException>(async () => await authorizer.WriteRelationshipsAsync(
            [new Relationship(new AuthzSubject(ObjectTypes.Role, "*"), Relations.Select, AuthzObject.Table("t1"))], TestToken));
        await Assert.ThrowsAsync<AuthzArgumentException>(async () => await authorizer.BatchCheckAsync(
            Alice, Enumerable.Repeat(new CheckItem(AuthzObject.Table("t"), Relations.CanDrop), LocalAuthorizer.MaxBatchItems + 1).ToList(), TestToken));
    }

    [Theory]
    [InlineData("Authz:Backend", "nope", "LAKEKEEPER__AUTHZ__BACKEND: 'nope' is not a known backend; use one of: allowall")]
    [InlineData("Authz:Backend", "openfga", "LAKEKEEPER__OPENFGA__ENDPOINT is required")]
    [InlineData("Authz:Endpoint", "authz:8182", "LAKEKEEPER__AUTHZ__ENDPOINT")]
    [InlineData("Authz:Endpoint", "ftp://authz:8182", "LAKEKEEPER__AUTHZ__ENDPOINT")]
    [InlineData("Authz:Endpoint", "http://authz:8182/some/path", "LAKEKEEPER__AUTHZ__ENDPOINT")]
    [InlineData("Authz:TimeoutMs", "0", "LAKEKEEPER__AUTHZ__TIMEOUTMS")]
    [InlineData("Authz:CheckCacheMs", "-1", "LAKEKEEPER__AUTHZ__CHECKCACHEMS")]
    public async Task Bad_settings_stop_the_start_and_name_the_variable(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Hosts.StartGenericAsync(builder => builder.AddAuthzEngine(), (key, value)));
        Assert.Contains(error.Failures, failure => failure.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_grpc_client_does_not_judge_the_backend_setting()
    {
        // The backend is the authz service's setting; a module host only reports it.
        using var host = await Hosts.StartGenericAsync(builder => builder.AddAuthz(),
            ("Authz:Endpoint", "http://authz:8182"), ("Authz:Backend", "openfga"));
        Assert.Equal("openfga", host.Services.GetRequiredService<IOptions<AuthzOptions>>().Value.Backend);
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
}
