using Lakekeeper.Gateway.Routing;
using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Gateway.Tests;

public sealed class ConfigurationTests
{
    private const string Unused = "http://127.0.0.1:9";

    [Fact]
    public async Task Without_destinations_start_up_names_the_variable_of_each_cluster()
    {
        var failures = await StartFailsAsync(new Settings());

        Assert.Contains(failures, f => f.StartsWith("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS:", StringComparison.Ordinal)
            && f.Contains("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__<NAME>__ADDRESS=", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__DESTINATIONS:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("LAKEKEEPER__GATEWAY__CLUSTERS__MANAGEMENT__DESTINATIONS:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__CLUSTERID", "Gateway:Routes:extra:ClusterId=nowhere", "Gateway:Routes:extra:Match:Path=/extra/{**rest}")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__CLUSTERID", "Gateway:Routes:extra:Match:Path=/extra/{**rest}")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__EMPTY__DESTINATIONS", "Gateway:Routes:extra:ClusterId=empty", "Gateway:Routes:extra:Match:Path=/extra/{**rest}", "Gateway:Clusters:empty:Destinations=")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS", "Gateway:Clusters:catalog:Destinations:d1:Address=ftp://catalog:21")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS", "Gateway:Clusters:catalog:Destinations:d1:Address=catalog:8181")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D2__ADDRESS", "Gateway:Clusters:catalog:Destinations:d2:Address=http://user:hunter2@catalog:8181")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D2__ADDRESS", "Gateway:Clusters:catalog:Destinations:d2:Address=http://catalog:8181/?x=1")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__PATH", "Gateway:Routes:extra:ClusterId=catalog", "Gateway:Routes:extra:Match:Path=/extra/{id:int}")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__PATH", "Gateway:Routes:extra:ClusterId=catalog", "Gateway:Routes:extra:Match:Path=extra/{**rest}")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__PATH", "Gateway:Routes:extra:ClusterId=catalog", "Gateway:Routes:extra:Match:Path=/extra/{a}.{b}")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__PATH", "Gateway:Routes:extra:ClusterId=catalog", "Gateway:Routes:extra:Match:Path=/extra/{a?}")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__PATH", "Gateway:Routes:extra:ClusterId=catalog", "Gateway:Routes:extra:Match:Path=/extra/{**a}/b")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__PATH", "Gateway:Routes:extra:ClusterId=management", "Gateway:Routes:extra:Match:Path=/CATALOG/{**other}")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__CATALOG__TIMEOUT", "Gateway:Routes:catalog:Timeout=30")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__CATALOG__TIMEOUT", "Gateway:Routes:catalog:Timeout=-00:00:01")]
    [InlineData("LAKEKEEPER__GATEWAY__HTTPCLIENT__CONNECTTIMEOUT", "Gateway:HttpClient:ConnectTimeout=00:00:00")]
    [InlineData("LAKEKEEPER__GATEWAY__HTTPCLIENT__MAXCONNECTIONSPERSERVER", "Gateway:HttpClient:MaxConnectionsPerServer=0")]
    public async Task Invalid_settings_stop_start_up_with_the_variable_to_fix(string variable, params string[] settings)
    {
        var configured = Valid();
        foreach (var setting in settings)
        {
            var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
            configured[key] = value;
        }

        var failures = await StartFailsAsync(configured);

        var failure = Assert.Single(failures);
        Assert.StartsWith(variable + ":", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_shaped_keys_change_only_what_they_name_on_a_built_in_route()
    {
        // What LAKEKEEPER__GATEWAY__ROUTES__CATALOG__TIMEOUT=00:00:30 and
        // LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS=... become in configuration.
        var settings = new Settings
        {
            ["GATEWAY:ROUTES:CATALOG:TIMEOUT"] = "00:00:30",
            ["GATEWAY:CLUSTERS:CATALOG:DESTINATIONS:D1:ADDRESS"] = "http://catalog-1:8181",
            ["GATEWAY:CLUSTERS:CATALOG:DESTINATIONS:D2:ADDRESS"] = "http://catalog-2:8181/",
            ["GATEWAY:CLUSTERS:SIGNER:DESTINATIONS:D1:ADDRESS"] = "http://signer:8181",
            ["GATEWAY:CLUSTERS:MANAGEMENT:DESTINATIONS:D1:ADDRESS"] = "http://management:8181",
        };
        await using var app = GatewayServer.Build(settings);

        var table = app.Services.GetRequiredService<RouteTable>();

        var catalog = table.Routes.Single(r => r.Id.Equals("catalog", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(TimeSpan.FromSeconds(30), catalog.Timeout);
        Assert.Equal("/catalog/{**path}", catalog.Pattern.RawText);
        Assert.Equal(["http://catalog-1:8181", "http://catalog-2:8181"], catalog.Cluster.Destinations.Select(d => d.Prefix));
        Assert.Equal(3, table.Clusters.Count);
        Assert.All(table.Routes.Where(r => r != catalog), r => Assert.Equal(TimeSpan.FromSeconds(100), r.Timeout));
        Assert.Equal(
            ["/catalog/v1/{prefix}/v1/aws/s3/sign", "/catalog/v1/aws/s3/sign", "/catalog/v1/signer/{**path}"],
            table.Routes.Where(r => r.Cluster.Id == "signer").Select(r => r.Pattern.RawText));
        Assert.Equal("/management/{**path}", table.Routes.Single(r => r.Cluster.Id == "management").Pattern.RawText);
    }

    [Fact]
    public void Route_patterns_accept_literals_parameters_and_a_final_catch_all()
    {
        Assert.True(RoutePatterns.TryParse("/catalog/v1/{prefix}/v1/aws/s3/sign", out var pattern, out _));
        Assert.Equal("/catalog/v1/{}/v1/aws/s3/sign", RoutePatterns.Shape(pattern));
        Assert.True(RoutePatterns.TryParse("/Catalog/{**rest}", out pattern, out _));
        Assert.Equal("/catalog/{**}", RoutePatterns.Shape(pattern));
        Assert.IsType<RoutePatternParameterPart>(pattern.PathSegments[^1].Parts[0]);
    }

    private static Settings Valid() => new Settings().Cluster("catalog", Unused).Cluster("signer", Unused).Cluster("management", Unused);

    private static async Task<IReadOnlyList<string>> StartFailsAsync(Settings settings)
    {
        await using var app = GatewayServer.Build(settings);
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Deadline.Test));
        return [.. exception.Failures];
    }
}
