using System.Net;
using Lakekeeper.Gateway.Configuration;
using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

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
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__PATH", "Gateway:Routes:extra:ClusterId=management", "Gateway:Routes:extra:Match:Path=/catalog/v1/{p}/namespaces/{n}/tables/{t}/sign", "Gateway:Routes:extra:Match:Methods:0=post")]
    [InlineData("LAKEKEEPER__GATEWAY__ROUTES__EXTRA__MATCH__METHODS", "Gateway:Routes:extra:ClusterId=management", "Gateway:Routes:extra:Match:Path=/extra", "Gateway:Routes:extra:Match:Methods:0=GET /")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__HTTPREQUEST__ACTIVITYTIMEOUT", "Gateway:Routes:sign_prefixed:Timeout=00:00:10", "Gateway:Routes:sign_unprefixed:Timeout=00:00:20")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__HTTPREQUEST__ACTIVITYTIMEOUT", "Gateway:Clusters:signer:HttpRequest:ActivityTimeout=02:00:00")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__HTTPREQUEST__VERSION", "Gateway:Clusters:signer:HttpRequest:Version=1.5")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__HTTPREQUEST__VERSIONPOLICY", "Gateway:Clusters:signer:HttpRequest:VersionPolicy=Whatever")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__HEALTHCHECK__ACTIVE__INTERVAL", "Gateway:Clusters:signer:HealthCheck:Active:Interval=00:00:00.010")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__HEALTHCHECK__ACTIVE__PATH", "Gateway:Clusters:signer:HealthCheck:Active:Path=health")]
    [InlineData("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__DESTINATIONS__D1__HEALTH", "Gateway:Clusters:signer:Destinations:d1:Health=signer:9000")]
    [InlineData("LAKEKEEPER__GATEWAY__MAXHOPS", "Gateway:MaxHops=0")]
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
            ["GATEWAY:CLUSTERS:SIGNER:HTTPREQUEST:VERSION"] = "2",
            ["GATEWAY:CLUSTERS:SIGNER:HEALTHCHECK:ACTIVE:INTERVAL"] = "00:00:03",
            ["GATEWAY:CLUSTERS:MANAGEMENT:DESTINATIONS:D1:ADDRESS"] = "http://management:8181",
            ["GATEWAY:CLUSTERS:MANAGEMENT:HEALTHCHECK:PASSIVE:ENABLED"] = "false",
            ["GATEWAY:ROUTES:SIGN_TABLE:MATCH:METHODS:0"] = "post",
            ["GATEWAY:ROUTES:SIGN_TABLE:MATCH:METHODS:1"] = "POST ",
            ["GATEWAY:ROUTES:SIGN_TABLE:MATCH:METHODS:2"] = "put",
        };
        await using var app = GatewayServer.Build(settings);

        var config = app.Services.GetRequiredService<IProxyConfigProvider>().GetConfig();

        var routes = config.Routes.ToDictionary(r => r.RouteId, StringComparer.OrdinalIgnoreCase);
        var clusters = config.Clusters.ToDictionary(c => c.ClusterId, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("/catalog/{**path}", routes["catalog"].Match.Path);
        Assert.Equal(["http://catalog-1:8181", "http://catalog-2:8181/"], clusters["catalog"].Destinations!.Values.Select(d => d.Address).Order());
        Assert.Equal(3, clusters.Count);
        Assert.Equal(TimeSpan.FromSeconds(30), clusters["catalog"].HttpRequest!.ActivityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(100), clusters["signer"].HttpRequest!.ActivityTimeout);
        Assert.Equal(HttpVersion.Version20, clusters["signer"].HttpRequest!.Version);
        Assert.Equal(HttpVersion.Version11, clusters["catalog"].HttpRequest!.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionOrHigher, clusters["catalog"].HttpRequest!.VersionPolicy);
        Assert.All(clusters.Values, c => Assert.Equal("RoundRobin", c.LoadBalancingPolicy));
        Assert.All(clusters.Values, c => Assert.Equal("/health/ready", c.HealthCheck!.Active!.Path));
        Assert.Equal(TimeSpan.FromSeconds(3), clusters["signer"].HealthCheck!.Active!.Interval);
        Assert.Equal(TimeSpan.FromSeconds(10), clusters["catalog"].HealthCheck!.Active!.Interval);
        Assert.False(clusters["management"].HealthCheck!.Passive!.Enabled);
        Assert.True(clusters["catalog"].HealthCheck!.Passive!.Enabled);
        Assert.Equal(
            ["/catalog/v1/aws/s3/sign", "/catalog/v1/signer/{**path}", "/catalog/v1/{prefix}/namespaces/{namespace}/tables/{table}/sign", "/catalog/v1/{prefix}/v1/aws/s3/sign"],
            config.Routes.Where(r => r.ClusterId == "signer").Select(r => r.Match.Path).Order(StringComparer.Ordinal));
        Assert.Equal(["POST", "PUT"], routes["sign_table"].Match.Methods);
        Assert.Null(routes["catalog"].Match.Methods);
        Assert.Equal(
            ["/", "/api-docs/{**path}", "/management/{**path}", "/swagger-ui/{**path}", "/ui/{**path}"],
            config.Routes.Where(r => r.ClusterId == "management").Select(r => r.Match.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_destination_that_is_the_gateway_itself_stops_start_up()
    {
        var port = FreePort();
        var settings = Valid();
        settings["Server:ListenPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Gateway:Clusters:catalog:Destinations:self:Address"] = $"http://localhost:{port}";
        settings["Gateway:Clusters:management:Destinations:self:Address"] = $"http://127.0.0.1:{port}/base";

        var failures = await StartFailsAsync(settings);

        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__SELF__ADDRESS:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("LAKEKEEPER__GATEWAY__CLUSTERS__MANAGEMENT__DESTINATIONS__SELF__ADDRESS:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8181", "0.0.0.0", true)]
    [InlineData("http://127.0.0.5:8181", "0.0.0.0", true)]
    [InlineData("http://localhost:8181", "0.0.0.0", true)]
    [InlineData("http://[::1]:8181", "0.0.0.0", true)]
    [InlineData("http://0.0.0.0:8181", "0.0.0.0", true)]
    [InlineData("http://catalog:8181", "0.0.0.0", false)]
    [InlineData("http://203.0.113.9:8181", "0.0.0.0", false)]
    [InlineData("http://localhost:8181", "127.0.0.1", true)]
    [InlineData("http://127.0.0.1:8181", "127.0.0.1", true)]
    [InlineData("http://192.0.2.1:8181", "127.0.0.1", false)]
    [InlineData("http://192.0.2.1:8181", "192.0.2.1", true)]
    [InlineData("http://127.0.0.1:8181", "192.0.2.1", false)]
    public void This_host_is_recognised_by_name_and_address(string address, string bindAddress, bool expected)
    {
        Assert.Equal(expected, SelfDestinationCheck.IsThisHost(new Uri(address), bindAddress));
    }

    [Fact]
    public void The_host_name_is_this_host_when_listening_everywhere()
    {
        Assert.True(SelfDestinationCheck.IsThisHost(new Uri($"http://{System.Net.Dns.GetHostName()}:8181"), "0.0.0.0"));
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

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<IReadOnlyList<string>> StartFailsAsync(Settings settings)
    {
        await using var app = GatewayServer.Build(settings);
        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Deadline.Test));
        return [.. exception.Failures];
    }
}
