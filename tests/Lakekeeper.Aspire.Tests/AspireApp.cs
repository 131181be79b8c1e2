using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Lakekeeper.Aspire.Tests;

/// <summary>
/// The app host started once for the test class, as a developer starts it but on free ports, in a state
/// folder of its own (metrics on free ports) and without the dashboard: Postgres (initdb on first start), nats-server, the
/// migration, the six services, the bootstrap of the warehouse <c>demo</c>.
/// </summary>
public sealed class AspireApp : IAsyncLifetime
{
    /// <summary>A deadline for the whole start on a busy 2-core machine, not a performance expectation.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private readonly string _state = Directory.CreateTempSubdirectory("lakekeeper-aspire-").FullName;
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("not started");

    /// <summary>The gateway's public address.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Lakekeeper_AppHost>(
            [
                "--LAKEKEEPER_PORT=0",
                "--LAKEKEEPER_PG_PORT=0",
                "--LAKEKEEPER_NATS_PORT=0",
                "--LAKEKEEPER_METRICS_PORT=any",
                "--LAKEKEEPER_ASPIRE_STATE=" + _state,
            ],
            static (options, _) => options.DisableDashboard = true,
            timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", timeout.Token);
        await _app.ResourceNotifications.WaitForResourceAsync("bootstrap", KnownResourceStates.Finished, timeout.Token);
        BaseAddress = _app.GetEndpoint("gateway", "http");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort for a temp folder (the Postgres files belong to the postgres user under root).
        }
    }
}
