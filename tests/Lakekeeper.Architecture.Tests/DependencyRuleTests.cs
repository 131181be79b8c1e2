namespace Lakekeeper.Architecture.Tests;

/// <summary>
/// Dependencies point one way (docs/architecture.md): pure core ← I/O libraries ← service modules ←
/// hosts. Checked on the project references, direct and transitive, so a new reference that breaks
/// the rule fails here with the path that breaks it.
/// </summary>
public sealed class DependencyRuleTests
{
    private const string ServiceDefaults = "libs/Lakekeeper.ServiceDefaults/Lakekeeper.ServiceDefaults.csproj";
    private static readonly ProjectGraph Graph = ProjectGraph.Instance;

    public static TheoryData<string> Libraries() => [.. Graph.Under("libs/")];

    [Fact]
    public void The_graph_is_read_from_the_repository()
    {
        Assert.Contains(ServiceDefaults, Graph.Projects);
        Assert.Contains("libs/Lakekeeper.Persistence/Lakekeeper.Persistence.csproj", Graph.Projects);
        Assert.Contains("libs/Lakekeeper.Abstractions/Lakekeeper.Abstractions.csproj", Graph.Closure("libs/Lakekeeper.Persistence/Lakekeeper.Persistence.csproj"));
        Assert.Contains(ServiceDefaults, Graph.Closure("services/catalog/Lakekeeper.Catalog.Host/Lakekeeper.Catalog.Host.csproj"));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void A_library_never_references_a_service(string library)
    {
        Assert.DoesNotContain(Graph.Closure(library), p => p.StartsWith("services/", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Only_hosts_and_service_modules_reference_ServiceDefaults(string library)
    {
        // The host plumbing is for hosts; a library exposes plain registrations and shares contracts
        // through Lakekeeper.Abstractions.
        Assert.DoesNotContain(ServiceDefaults, Graph.Closure(library));
    }

    [Theory]
    [InlineData("services/catalog/Lakekeeper.Catalog/Lakekeeper.Catalog.csproj")]
    [InlineData("services/management/Lakekeeper.Management/Lakekeeper.Management.csproj")]
    [InlineData("services/signer/Lakekeeper.Signer/Lakekeeper.Signer.csproj")]
    public void Modules_that_authorize_use_the_authz_contract_not_the_authz_service(string module)
    {
        var closure = Graph.Closure(module);
        Assert.Contains("libs/Lakekeeper.Authz.Contracts/Lakekeeper.Authz.Contracts.csproj", closure);
        Assert.DoesNotContain(closure, p => p.StartsWith("services/authz/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_pure_core_references_nothing_of_ours()
    {
        Assert.Empty(Graph.Direct("libs/Lakekeeper.Iceberg/Lakekeeper.Iceberg.csproj"));
    }

    [Fact]
    public void The_authorization_engine_core_references_nothing_of_ours()
    {
        // Evaluation of OpenFGA models is pure: storage, caches and HTTP live in Lakekeeper.Authz.
        Assert.Empty(Graph.Direct("services/authz/Lakekeeper.Fga/Lakekeeper.Fga.csproj"));
    }

    [Fact]
    public void Abstractions_reference_nothing_of_ours()
    {
        Assert.Empty(Graph.Direct("libs/Lakekeeper.Abstractions/Lakekeeper.Abstractions.csproj"));
    }

    [Theory]
    [InlineData("tests/Lakekeeper.Testing/Lakekeeper.Testing.csproj")]
    [InlineData("tests/Lakekeeper.Iceberg.Tests/Lakekeeper.Iceberg.Tests.csproj")]
    [InlineData("tests/Lakekeeper.Persistence.Tests/Lakekeeper.Persistence.Tests.csproj")]
    [InlineData("tests/Lakekeeper.Storage.Tests/Lakekeeper.Storage.Tests.csproj")]
    [InlineData("tests/Lakekeeper.Security.Tests/Lakekeeper.Security.Tests.csproj")]
    public void Tests_of_the_libraries_build_no_service(string project)
    {
        Assert.DoesNotContain(Graph.Closure(project), p => p.StartsWith("services/", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_its_smoke_test_references_the_app_host_and_the_app_host_references_only_hosts()
    {
        const string appHost = "aspire/Lakekeeper.AppHost/Lakekeeper.AppHost.csproj";
        Assert.Equal(
            ["tests/Lakekeeper.Aspire.Tests/Lakekeeper.Aspire.Tests.csproj"],
            Graph.Projects.Where(p => Graph.Direct(p).Contains(appHost)));
        // The app host composes processes: it starts the hosts, and never links a module or a library.
        Assert.All(Graph.Direct(appHost), p => Assert.Matches(@"^services/[a-z]+/Lakekeeper\.([A-Za-z]+\.Host|Standalone)/", p));
    }

    [Fact]
    public void Nothing_references_a_test_project()
    {
        var offenders = Graph.Projects
            .SelectMany(p => Graph.Direct(p).Select(r => (From: p, To: r)))
            .Where(e => e.To.EndsWith(".Tests.csproj", StringComparison.Ordinal))
            .Select(e => $"{e.From} -> {e.To}");
        Assert.Empty(offenders);
    }
}
