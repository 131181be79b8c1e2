using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Catalog;
using Lakekeeper.Gateway;
using Lakekeeper.Management;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// One request through gateway → catalog → authz is one trace: each service is composed as its host
/// composes it, with tracing turned on the way a test does (<c>AddOpenTelemetry().WithTracing(…)</c>)
/// and OpenTelemetry's in-memory exporter.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private readonly SpanSink _spans = [];
    private readonly List<WebApplication> _apps = [];

    /// <summary>The exporters of three hosts add concurrently while the test reads.</summary>
    private sealed class SpanSink : Collection<Activity>
    {
        private readonly Lock _gate = new();

        public List<Activity> Snapshot()
        {
            lock (_gate)
            {
                return [.. this];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (_gate)
            {
                base.InsertItem(index, item);
            }
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_request_through_gateway_catalog_and_authz_is_one_trace()
    {
        var postgres = await PostgresServer.SharedAsync();
        var warehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-trace-").FullName;
        var authzGrpc = FreePort.Next();
        await StartAsync("authz", new() { ["Server:InternalPort"] = authzGrpc.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            b => b.AddAuthzServer(), app => app.MapAuthzServer());
        var catalog = await StartAsync("catalog", new()
        {
            ["Database:ConnectionString"] = await postgres.CreateDatabaseAsync(),
            ["Secrets:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Storage:AllowedFileRoots:0"] = warehouseRoot,
            ["Authz:Endpoint"] = $"http://127.0.0.1:{authzGrpc}",
        }, b => b.AddCatalog().AddManagement(), app =>
        {
            app.MapCatalogApi();
            app.MapManagementApi();
        });
        var gateway = await StartAsync("gateway", new()
        {
            ["Gateway:Clusters:catalog:Destinations:d1:Address"] = catalog.ToString(),
            ["Gateway:Clusters:signer:Destinations:d1:Address"] = catalog.ToString(),
            ["Gateway:Clusters:management:Destinations:d1:Address"] = catalog.ToString(),
        }, b => b.AddGateway(), app => app.MapGateway());

        using var client = new HttpClient { BaseAddress = gateway };
        (await client.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true })).EnsureSuccessStatusCode();
        Directory.CreateDirectory(Path.Combine(warehouseRoot, "demo"));
        using var created = await client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = "demo",
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = Path.Combine(warehouseRoot, "demo") },
        });
        var createdBody = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, $"creating the warehouse through the gateway: {(int)created.StatusCode} {createdBody}");
        var prefix = JsonDocument.Parse(createdBody).RootElement.GetProperty("warehouse-id").GetString();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/catalog/v1/{prefix}/namespaces");
        using (var response = await client.SendAsync(request))
        {
            response.EnsureSuccessStatusCode();
        }

        List<Activity> chain;
        try
        {
            chain = await Eventually.ReturnsAsync(() => Task.FromResult(FindChain(prefix!)), TimeSpan.FromSeconds(10), "the spans from the client to authz in one trace");
        }
        catch (TimeoutException)
        {
            Assert.Fail("spans seen:\n" + string.Join("\n", _spans.Snapshot().DistinctBy(s => s.SpanId).Select(s => $"{s.TraceId} {s.SpanId} <- {s.ParentSpanId} {s.Kind} {Describe(s)}")));
            throw;
        }

        Assert.Single(chain.Select(s => s.TraceId).Distinct());
        for (var i = 1; i < chain.Count; i++)
        {
            Assert.Equal(chain[i - 1].SpanId, chain[i].ParentSpanId);
        }

        // Each hop is a client span in the caller and a server span in the callee: gateway, catalog, authz.
        var servers = chain.Where(s => s.Kind == ActivityKind.Server).ToList();
        Assert.Equal(3, servers.Count);
        Assert.Equal("/catalog/{**path}", servers[0].GetTagItem("http.route"));
        Assert.Equal("/catalog/v1/{prefix}/namespaces", servers[1].GetTagItem("http.route"));
        Assert.Equal("/lakekeeper.authz.v1.Authorizer/Check", servers[2].GetTagItem("grpc.method"));
        Assert.All(chain.Where(s => s.Kind != ActivityKind.Server), s => Assert.Equal(ActivityKind.Client, s.Kind));
        Assert.Equal(ActivityKind.Client, chain[chain.IndexOf(servers[2]) - 1].Kind);
        // The catalog's call to authz is a gRPC client span (Grpc.Net.Client) with its method.
        Assert.Contains(chain, s => s.Kind == ActivityKind.Client && s.GetTagItem("grpc.method") is "/lakekeeper.authz.v1.Authorizer/Check");

        Directory.Delete(warehouseRoot, recursive: true);
    }

    /// <summary>
    /// The spans from the test's client span down to the authz server span of the request's
    /// Authorizer/Check, each the parent of the next (gateway server, its client span, catalog server,
    /// its gRPC and HTTP client spans, authz server); null while not all have ended, or if a link is missing.
    /// </summary>
    private List<Activity>? FindChain(string prefix)
    {
        var spans = _spans.Snapshot().DistinctBy(s => s.SpanId).ToList();

        var bySpan = spans.ToDictionary(s => s.SpanId);
        var root = spans.FirstOrDefault(s => s.Kind == ActivityKind.Client && s.ParentSpanId == default
            && Describe(s).Contains($"/catalog/v1/{prefix}/namespaces", StringComparison.Ordinal));
        if (root is null)
        {
            return null;
        }

        foreach (var authz in spans.Where(s => s.Kind == ActivityKind.Server && s.TraceId == root.TraceId
            && s.GetTagItem("grpc.method") is "/lakekeeper.authz.v1.Authorizer/Check"))
        {
            var chain = new List<Activity> { authz };
            while (chain[^1] != root && bySpan.TryGetValue(chain[^1].ParentSpanId, out var parent))
            {
                chain.Add(parent);
            }

            if (chain[^1] == root)
            {
                chain.Reverse();
                return chain[1..];
            }
        }

        return null;
    }

    private static string Describe(Activity span) =>
        span.DisplayName + " " + string.Join(' ', span.TagObjects.Select(t => $"{t.Key}={t.Value}"));

    private async Task<Uri> StartAsync(string service, Dictionary<string, string?> settings, Action<WebApplicationBuilder> add, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:ListenPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Log:Level"] = "Warning",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults(service);
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(_spans));
        add(builder);
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        map(app);
        await app.StartAsync();
        _apps.Add(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First(a => !a.EndsWith(":" + settings.GetValueOrDefault("Server:InternalPort"), StringComparison.Ordinal)));
    }
}
