using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Lakekeeper.ServiceDefaults.Configuration;
using Lakekeeper.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Lakekeeper.ServiceDefaults.Tests;

/// <summary>
/// Activity listeners and meter listeners are process-wide: these tests run alone, so that another
/// test's host neither creates activities nor adds series while one is being measured.
/// </summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>
/// The Prometheus endpoint on its own port, request metrics by route template, and tracing that
/// exists only when an OTLP endpoint is configured. Real Kestrel on loopback, a real HTTP receiver
/// for the OTLP export.
/// </summary>
[Collection(nameof(TelemetryCollection))]
public sealed class TelemetryTests
{
    private const string RequestCount = "http_server_request_duration_seconds_count";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> ScrapeAsync(int metricsPort)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (measurements are recorded after the response is sent).</summary>
    private static async Task<string> ScrapeUntilAsync(int metricsPort, Func<string, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string scrape;
        do
        {
            scrape = await ScrapeAsync(metricsPort);
            if (done(scrape))
            {
                return scrape;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"the scrape never showed {what}:\n{scrape}");
        return scrape;
    }

    /// <summary>The series (name and labels) of one metric, and the value of each.</summary>
    private static Dictionary<string, double> Series(string scrape, string metric) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal))
            .ToDictionary(line => line[..line.LastIndexOf(' ')], line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static double Count(string scrape, string route, string status) =>
        Series(scrape, RequestCount)
            .Where(s => s.Key.Contains($"http_route=\"{route}\"", StringComparison.Ordinal) && s.Key.Contains($"http_response_status_code=\"{status}\"", StringComparison.Ordinal))
            .Sum(s => s.Value);

    [Fact]
    public async Task Metrics_are_served_on_the_metrics_port_only()
    {
        var metricsPort = FreePort();
        var internalPort = FreePort();
        await using var host = await TestHost.StartAsync(
            map: app => app.MapGet("/items/{id}", (string id) => id),
            settings: new() { [MetricsOptions.PortKey] = Port(metricsPort), ["Server:InternalPort"] = Port(internalPort) });
        Assert.Equal(3, host.Addresses.Count);
        Assert.DoesNotContain(host.Client.BaseAddress!.Port, new[] { metricsPort, internalPort });

        (await host.Client.GetAsync("/items/1")).Dispose();
        var scrape = await ScrapeUntilAsync(metricsPort, s => Count(s, "/items/{id}", "200") >= 1, "the request to /items/1");
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", scrape, StringComparison.Ordinal);

        // The public port has no /metrics (the unmatched-route answer), nor has the internal HTTP/2 port.
        using (var onPublic = await host.Client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
            Assert.DoesNotContain("http_server", await onPublic.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var http2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact })
        using (var onInternal = await http2.GetAsync(new Uri($"http://127.0.0.1:{internalPort}/metrics")))
        {
            Assert.NotEqual(HttpStatusCode.OK, onInternal.StatusCode);
            Assert.DoesNotContain("http_server", await onInternal.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The public port's 404 above is a request of the service and counted; what follows on the
        // metrics port is not.
        scrape = await ScrapeUntilAsync(metricsPort, s => Count404(s) >= 1, "the public port's 404");
        var notFoundBefore = Count404(scrape);

        // The metrics port serves nothing but GET /metrics: not the API, not the health probes.
        using var other = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        foreach (var path in new[] { "/items/1", "/health/live", "/metrics/x", "/" })
        {
            using var response = await other.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var post = await other.PostAsync("/metrics", new StringContent("")))
        {
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }

        // Scrapes are not requests of the service: the metrics port's answers add nothing.
        (await host.Client.GetAsync("/items/2")).Dispose();
        scrape = await ScrapeUntilAsync(metricsPort, s => Count(s, "/items/{id}", "200") >= 2, "the request to /items/2");
        Assert.Equal(notFoundBefore, Count404(scrape));
    }

    private static double Count404(string scrape) =>
        Series(scrape, RequestCount).Where(s => s.Key.Contains("status_code=\"404\"", StringComparison.Ordinal)).Sum(s => s.Value);

    [Fact]
    public async Task Requests_are_counted_by_route_template_and_unmatched_paths_add_no_series()
    {
        var metricsPort = FreePort();
        await using var host = await TestHost.StartAsync(
            map: app => app.MapGet("/items/{id}", (string id) => id),
            settings: new() { [MetricsOptions.PortKey] = Port(metricsPort) });

        (await host.Client.GetAsync("/items/first")).Dispose();
        (await host.Client.GetAsync("/items/second")).Dispose();
        (await host.Client.GetAsync("/warm-up/unmatched")).Dispose();
        var before = await ScrapeUntilAsync(metricsPort, s => Count(s, "/items/{id}", "200") >= 2 && Series(s, RequestCount).Keys.Any(k => k.Contains("\"404\"", StringComparison.Ordinal)), "the first requests");
        Assert.DoesNotContain("first", before, StringComparison.Ordinal);
        var unmatchedBefore = Series(before, RequestCount).Where(s => s.Key.Contains("\"404\"", StringComparison.Ordinal)).Sum(s => s.Value);

        var tokens = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        foreach (var chunk in tokens.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(async token =>
            {
                using var response = await host.Client.GetAsync($"/{token}/{token[..8]}?q={token[8..16]}");
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }));
        }

        var after = await ScrapeUntilAsync(metricsPort,
            s => Series(s, RequestCount).Where(x => x.Key.Contains("\"404\"", StringComparison.Ordinal)).Sum(x => x.Value) >= unmatchedBefore + 1000,
            "the 1,000 unmatched requests");
        Assert.Equal(Series(before, RequestCount).Keys.Order(), Series(after, RequestCount).Keys.Order());
        Assert.DoesNotContain(tokens, token => after.Contains(token[..8], StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_metrics_listener_when_the_port_is_zero_or_the_listen_port_is_picked_freely()
    {
        await using (var off = await TestHost.StartAsync(settings: new() { [MetricsOptions.PortKey] = "0", ["Server:InternalPort"] = Port(FreePort()) }))
        {
            Assert.Equal(2, off.Addresses.Count);
            Assert.Null(off.App.Services.GetService<MeterProvider>());
        }

        await using (var unset = await TestHost.StartAsync())
        {
            Assert.Single(unset.Addresses);
            Assert.Null(unset.App.Services.GetService<MeterProvider>());
        }

        // A fixed listen port (every deployment) serves metrics on Lakekeeper's default, 9000.
        Assert.Equal(9000, new MetricsOptions().EffectivePort(new ServerOptions { ListenPort = 8181 }));
        Assert.Equal(0, new MetricsOptions().EffectivePort(new ServerOptions { ListenPort = 0 }));
        Assert.Equal(9100, new MetricsOptions { Port = 9100 }.EffectivePort(new ServerOptions { ListenPort = 0 }));
    }

    [Theory]
    [InlineData("METRICS_PORT", "70000", "LAKEKEEPER__METRICS_PORT must be between 0 and 65535.")]
    [InlineData("METRICS_PORT", "same-as-listen", "LAKEKEEPER__METRICS_PORT ({0}) must differ from LAKEKEEPER__SERVER__LISTENPORT and LAKEKEEPER__SERVER__INTERNALPORT; 0 turns the metrics endpoint off")]
    [InlineData("Telemetry:OtlpProtocol", "http/json", "LAKEKEEPER__TELEMETRY__OTLPPROTOCOL: must be 'grpc' or 'http/protobuf'")]
    [InlineData("Telemetry:SamplingRatio", "1.5", "LAKEKEEPER__TELEMETRY__SAMPLINGRATIO must be between 0 and 1.")]
    [InlineData("Telemetry:OtlpEndpoint", "ftp://collector:4317", "LAKEKEEPER__TELEMETRY__OTLPENDPOINT: must be an absolute http:// or https:// URI")]
    public async Task Bad_telemetry_settings_are_refused_with_the_variable_name(string key, string value, string message)
    {
        var listenPort = FreePort();
        var settings = new Dictionary<string, string?> { ["Server:ListenPort"] = Port(listenPort), [MetricsOptions.PortKey] = "0" };
        settings[key] = value == "same-as-listen" ? Port(listenPort) : value;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestHost.StartAsync(settings: settings));

        Assert.Contains(string.Format(CultureInfo.InvariantCulture, message, listenPort), error.Failures);
    }

    private static void MapActivityProbe(WebApplication app) =>
        app.MapGet("/activity", () => Activity.Current switch
        {
            null => "none",
            { Recorded: true } => "recorded",
            _ => "not recorded",
        });

    [Fact]
    public async Task Without_an_otlp_endpoint_no_activity_is_created_per_request_even_with_metrics_on()
    {
        var metricsPort = FreePort();
        await using var host = await TestHost.StartAsync(map: MapActivityProbe, settings: new() { [MetricsOptions.PortKey] = Port(metricsPort) });

        Assert.Equal("none", await host.Client.GetStringAsync("/activity"));
        Assert.Null(host.App.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
        await ScrapeUntilAsync(metricsPort, s => Count(s, "/activity", "200") >= 1, "the request to /activity");
    }

    [Fact]
    public async Task With_an_otlp_endpoint_requests_are_traced_sampled_by_setting_and_exported()
    {
        using var collector = new OtlpReceiver();

        await using (var sampled = await TestHost.StartAsync(map: MapActivityProbe, settings: new()
        {
            ["Telemetry:OtlpEndpoint"] = collector.Address.ToString(),
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
        }))
        {
            Assert.Equal("recorded", await sampled.Client.GetStringAsync("/activity"));
        }

        // Stopping the host flushed its exporters: traces, metrics and logs reached the collector,
        // each on its signal's path, the span named by the route template.
        var traces = collector.Received("/v1/traces");
        Assert.Contains("GET /activity", traces, StringComparison.Ordinal);
        Assert.Contains("lakekeeper-test", traces, StringComparison.Ordinal);
        Assert.Contains("http.server.request.duration", collector.Received("/v1/metrics"), StringComparison.Ordinal);

        await using var unsampled = await TestHost.StartAsync(map: MapActivityProbe, settings: new()
        {
            ["Telemetry:OtlpEndpoint"] = collector.Address.ToString(),
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
            ["Telemetry:SamplingRatio"] = "0",
        });
        Assert.Equal("not recorded", await unsampled.Client.GetStringAsync("/activity"));

        // A caller's sampled trace is continued whatever the ratio (children follow their parent).
        // The caller's handler must not inject its own (unsampled) span over the header.
        using var caller = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = unsampled.Client.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/activity");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        using var response = await caller.SendAsync(request);
        Assert.Equal("recorded", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_standard_otel_variables_name_the_service_and_its_instance()
    {
        // What an Aspire app host sets, so that its dashboard ties the telemetry to its resource.
        using var collector = new OtlpReceiver();
        await using (var host = await TestHost.StartAsync(map: MapActivityProbe, settings: new()
        {
            ["Telemetry:OtlpEndpoint"] = collector.Address.ToString(),
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "catalog-resource",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=kbueumhr",
        }))
        {
            Assert.Equal("recorded", await host.Client.GetStringAsync("/activity"));
        }

        var traces = collector.Received("/v1/traces");
        Assert.Contains("catalog-resource", traces, StringComparison.Ordinal);
        Assert.Contains("kbueumhr", traces, StringComparison.Ordinal);
        Assert.DoesNotContain("lakekeeper-test", traces, StringComparison.Ordinal);
    }

    /// <summary>
    /// An OTLP/HTTP collector stand-in on a loopback port (System.Net.HttpListener, so that its own
    /// requests create no ASP.NET Core activities to export): keeps every body by path.
    /// </summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, List<byte[]>> _bodies = [];
        private readonly Task _loop;

        public OtlpReceiver()
        {
            var port = FreePort();
            Address = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Address.ToString());
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public Uri Address { get; }

        /// <summary>Everything posted to <paramref name="path"/>, as text (protobuf keeps strings as UTF-8).</summary>
        public string Received(string path)
        {
            lock (_bodies)
            {
                Assert.True(_bodies.ContainsKey(path), $"nothing was posted to {path}; seen: {string.Join(", ", _bodies.Keys)}");
                return string.Concat(_bodies[path].Select(b => Encoding.UTF8.GetString(b)));
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.ContentType == "application/x-protobuf")
                {
                    lock (_bodies)
                    {
                        var path = context.Request.Url!.AbsolutePath;
                        if (!_bodies.TryGetValue(path, out var list))
                        {
                            _bodies[path] = list = [];
                        }

                        list.Add(body.ToArray());
                    }
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
