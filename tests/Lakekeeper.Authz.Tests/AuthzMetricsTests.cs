using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Authz.Tests;

/// <summary>
/// <c>lakekeeper.authz.call.duration</c>: every call a module makes to its authorizer is timed, by
/// method and outcome, for the engine in process and for the gRPC client of an authz service that
/// is not there (a closed loopback port).
/// </summary>
public sealed class AuthzMetricsTests
{
    private static readonly Principal Alice = new("oidc~alice");

    private sealed record Measurement(double Seconds, string? Method, string? Outcome);

    /// <summary>Listens to the authz meter of <paramref name="host"/> only.</summary>
    private static (MeterListener Listener, List<Measurement> Seen) Listen(IHost host)
    {
        var meter = host.Services.GetRequiredService<IMeterFactory>().Create(AuthzMetrics.MeterName);
        var seen = new List<Measurement>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "lakekeeper.authz.call.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var all = tags.ToArray();
            lock (seen)
            {
                seen.Add(new Measurement(value, Tag(all, "method"), Tag(all, "outcome")));
            }
        });
        listener.Start();
        return (listener, seen);
    }

    private static string? Tag(KeyValuePair<string, object?>[] tags, string name) => tags.FirstOrDefault(t => t.Key == name).Value as string;

    [Fact]
    public async Task Calls_in_process_are_timed_by_method()
    {
        using var host = await StartAsync(("Authz:Backend", "AllowAll"));
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        var (listener, seen) = Listen(host);
        using (listener)
        {
            Assert.True(await authorizer.CheckAsync(Alice, AuthzObject.Table("t"), Relations.CanDrop, TestContext.Current.CancellationToken));
            await authorizer.BatchCheckAsync(Alice, [new CheckItem(AuthzObject.Table("t"), Relations.CanDrop)], TestContext.Current.CancellationToken);
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await authorizer.CheckAsync(Alice, AuthzObject.Table("t"), "", TestContext.Current.CancellationToken));
        }

        Assert.Equal([("Check", "ok"), ("BatchCheck", "ok"), ("Check", "invalid")], seen.Select(m => (m.Method, m.Outcome)));
        Assert.All(seen, m => Assert.InRange(m.Seconds, 0, 60));
    }

    [Fact]
    public async Task A_remote_authorizer_that_cannot_be_reached_is_timed_as_unavailable()
    {
        int closed;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closed = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var host = await StartAsync(("Authz:Endpoint", $"http://127.0.0.1:{closed}"), ("Authz:CheckCacheMs", "0"));
        var authorizer = host.Services.GetRequiredService<IAuthorizer>();
        var (listener, seen) = Listen(host);
        using (listener)
        {
            await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () =>
                await authorizer.ListObjectsAsync(Alice, "table", Relations.CanDrop, cancellationToken: TestContext.Current.CancellationToken));
        }

        var only = Assert.Single(seen);
        Assert.Equal(("ListObjects", "unavailable"), (only.Method, only.Outcome));
    }

    private static async Task<IHost> StartAsync(params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => s.Value));
        builder.Logging.ClearProviders();
        // A host that runs the engine (standalone); with an endpoint set, the gRPC client is used instead.
        builder.AddAuthzEngine();
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}
