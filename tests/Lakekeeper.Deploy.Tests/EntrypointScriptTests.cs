using System.Net;
using System.Net.Sockets;
using Lakekeeper.Deploy.Tests.Infrastructure;
using Lakekeeper.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Deploy.Tests;

/// <summary>
/// The image's entry point script (deploy/docker/lakekeeper), run with bash against real HTTP servers
/// on loopback and real host builds: what the container's HEALTHCHECK, the helm test pod and every
/// Deployment's args execute.
/// </summary>
public sealed class EntrypointScriptTests : IAsyncLifetime
{
    private WebApplication? _server;
    private int _readyCalls;

    private Uri BaseAddress { get; set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _server = builder.Build();
        _server.MapGet("/health/live", () => Results.Ok(new { status = "Healthy" }));
        // Ready from the third call on: a probe must retry until then.
        _server.MapGet("/health/ready", () => Interlocked.Increment(ref _readyCalls) < 3 ? Results.StatusCode(503) : Results.Ok(new { status = "Healthy" }));
        _server.MapGet("/catalog/v1/config", (string? warehouse) => warehouse is null
            ? Results.Json(new { error = new { message = "The 'warehouse' query parameter is required", type = "BadRequestException", code = 400 } }, statusCode: 400)
            : Results.Json(new { defaults = new { }, overrides = new { prefix = warehouse } }));
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Probe_retries_until_the_url_answers_the_expected_status()
    {
        var result = await RunAsync(["probe", new Uri(BaseAddress, "/health/ready").ToString(), "200"], ("LAKEKEEPER_PROBE_TIMEOUT_SECONDS", "30"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("ok: GET", result.Output);
        Assert.Equal(3, Volatile.Read(ref _readyCalls));
    }

    [Fact]
    public async Task Probe_accepts_the_catalogs_400_when_told_to_and_passes_the_query()
    {
        var config = new Uri(BaseAddress, "/catalog/v1/config");

        var bare = await RunAsync(["probe", config.ToString(), "400"]);
        var withWarehouse = await RunAsync(["probe", config + "?warehouse=demo", "200"]);

        Assert.True(bare.ExitCode == 0, bare.Output);
        Assert.Contains("BadRequestException", bare.Output);
        Assert.True(withWarehouse.ExitCode == 0, withWarehouse.Output);
        Assert.Contains("\"prefix\":\"demo\"", withWarehouse.Output);
    }

    [Fact]
    public async Task Probe_fails_with_the_last_answer_when_the_status_never_comes()
    {
        var result = await RunAsync(["probe", new Uri(BaseAddress, "/catalog/v1/config").ToString(), "200"], ("LAKEKEEPER_PROBE_TIMEOUT_SECONDS", "1"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("did not answer 200", result.Output);
        Assert.Contains("last answer: 400", result.Output);
    }

    [Fact]
    public async Task Healthcheck_asks_the_listen_port_and_fails_when_nothing_listens()
    {
        var port = BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var closed = ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var live = await RunAsync(["healthcheck"], ("LAKEKEEPER__SERVER__LISTENPORT", port));
        var ready = await RunAsync(["healthcheck", "/health/ready"], ("LAKEKEEPER__SERVER__LISTENPORT", port));
        var nothing = await RunAsync(["healthcheck"], ("LAKEKEEPER__SERVER__LISTENPORT", closed));

        Assert.True(live.ExitCode == 0, live.Output);
        Assert.Contains("healthy: GET /health/live answered 200", live.Output);
        Assert.Equal(1, ready.ExitCode);
        Assert.Contains("unhealthy: GET /health/ready answered 503", ready.Output); // 503 on the first call
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("unhealthy: no answer", nothing.Output);
    }

    [Fact]
    public async Task An_unknown_service_or_a_missing_host_stops_with_a_message()
    {
        var empty = Directory.CreateTempSubdirectory("lakekeeper-app-");
        try
        {
            var unknown = await RunAsync(["warehouse"]);
            var missing = await RunAsync(["catalog"], ("LAKEKEEPER_APP_DIR", empty.FullName));

            Assert.Equal(64, unknown.ExitCode);
            Assert.Contains("unknown service 'warehouse'", unknown.Output);
            Assert.Equal(66, missing.ExitCode);
            Assert.Contains("Lakekeeper.Catalog.Host.dll is missing", missing.Output);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("catalog")]
    [InlineData("events")]
    [InlineData("standalone")]
    public async Task Each_service_name_starts_its_own_host(string service)
    {
        var dll = ServiceProcess.HostDll(service);

        // Settings are validated before any command runs: give what these hosts require (nothing is contacted).
        (string, string)[] settings =
        [
            ("LAKEKEEPER_APP_DIR", Path.GetDirectoryName(dll)!),
            ("LAKEKEEPER__DATABASE__CONNECTIONSTRING", "Host=127.0.0.1;Database=unused"),
            ("LAKEKEEPER__SECRETS__ENCRYPTIONKEY", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))),
            .. service == "catalog" ? [("LAKEKEEPER__AUTHZ__ENDPOINT", "http://127.0.0.1:9")] : Array.Empty<(string, string)>(),
        ];
        var result = await RunAsync([service, "help"], settings);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Commands:", result.Output);
        Assert.Equal(Path.GetFileName(dll), EntrypointScript.HostAssemblies()[service]);
    }

    /// <summary>Runs the script; one GET may wait 30 s (not the image's 5 s) because the test machine may be loaded.</summary>
    internal static Task<ExternalProcess.Result> RunAsync(string[] arguments, params (string Key, string Value)[] environment) =>
        ExternalProcess.RunAsync("bash", [Repository.EntrypointScript, .. arguments], TimeSpan.FromSeconds(120),
            environment: environment.Prepend((Key: "LAKEKEEPER_HTTP_TIMEOUT_SECONDS", Value: "30")).ToDictionary(e => e.Key, e => e.Value));

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
