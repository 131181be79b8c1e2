using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.AppHost;

/// <summary>
/// The step <c>./lakekeeper up</c> ends with, as a resource of its own: once the gateway is ready,
/// bootstrap the server (accepting the terms) and create the warehouse <c>demo</c> on local file storage,
/// unless they exist. Shown as "Finished" (exit code 0) in the dashboard when done, so a test or a script
/// can wait for it.
/// </summary>
internal sealed class BootstrapResource(string name, EndpointReference gateway, string warehouseRoot) : Resource(name), IResourceWithWaitSupport
{
    public EndpointReference Gateway { get; } = gateway;

    /// <summary>The folder the warehouse <c>demo</c> stores its tables under.</summary>
    public string WarehouseRoot { get; } = warehouseRoot;
}

internal static partial class Bootstrap
{
    public const string Warehouse = "demo";

    public static IResourceBuilder<BootstrapResource> AddBootstrap(this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ProjectResource> gateway, string warehouses)
    {
        var resource = new BootstrapResource(name, gateway.GetEndpoint("http"), Path.Combine(warehouses, Warehouse));
        return builder.AddResource(resource)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Bootstrap",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .WithIconName("Play")
            .WaitFor(gateway)
            .WithParentRelationship(gateway)
            .OnInitializeResource((bootstrap, e, cancellationToken) =>
            {
                // The work runs apart from start-up: the orchestrator goes on starting the other resources.
                _ = RunAsync(bootstrap, e, cancellationToken);
                return Task.CompletedTask;
            });
    }

    private static async Task RunAsync(BootstrapResource bootstrap, InitializeResourceEvent e, CancellationToken cancellationToken)
    {
        var notifications = e.Notifications;
        var logger = e.Logger;
        try
        {
            await notifications.PublishUpdateAsync(bootstrap, s => s with { State = KnownResourceStates.Waiting });
            await e.Eventing.PublishAsync(new BeforeResourceStartedEvent(bootstrap, e.Services), cancellationToken);
            await notifications.WaitForDependenciesAsync(bootstrap, cancellationToken);
            await notifications.PublishUpdateAsync(bootstrap, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });

            using var client = new HttpClient { BaseAddress = new Uri(bootstrap.Gateway.Url), Timeout = TimeSpan.FromSeconds(60) };
            await BootstrapServerAsync(client, logger, cancellationToken);
            await CreateWarehouseAsync(client, bootstrap.WarehouseRoot, logger, cancellationToken);
            await notifications.PublishUpdateAsync(bootstrap, s => s with { State = KnownResourceStates.Finished, ExitCode = 0, StopTimeStamp = DateTime.UtcNow });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The app host is stopping.
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or IOException or TaskCanceledException)
        {
            LogFailed(logger, ex);
            await notifications.PublishUpdateAsync(bootstrap, s => s with { State = KnownResourceStates.Exited, ExitCode = 1, StopTimeStamp = DateTime.UtcNow });
        }
    }

    private static async Task BootstrapServerAsync(HttpClient client, ILogger logger, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            LogAlreadyBootstrapped(logger);
            return;
        }

        await EnsureSuccessAsync(response, "bootstrap", cancellationToken);
        LogBootstrapped(logger);
    }

    private static async Task CreateWarehouseAsync(HttpClient client, string root, ILogger logger, CancellationToken cancellationToken)
    {
        using (var list = await client.GetAsync("/management/v1/warehouse", cancellationToken))
        {
            await EnsureSuccessAsync(list, "listing warehouses", cancellationToken);
            using var body = JsonDocument.Parse(await list.Content.ReadAsStringAsync(cancellationToken));
            if (body.RootElement.TryGetProperty("warehouses", out var warehouses)
                && warehouses.EnumerateArray().Any(w => w.TryGetProperty("name", out var n) && n.GetString() == Warehouse))
            {
                LogWarehouseExists(logger, Warehouse);
                return;
            }
        }

        Directory.CreateDirectory(root);
        using var created = await client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = Warehouse,
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = root },
        }, cancellationToken);
        if (created.StatusCode == HttpStatusCode.Conflict)
        {
            LogWarehouseExists(logger, Warehouse);
            return;
        }

        await EnsureSuccessAsync(created, "creating the warehouse", cancellationToken);
        LogWarehouseCreated(logger, Warehouse, root);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Server bootstrapped")]
    private static partial void LogBootstrapped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Server already bootstrapped")]
    private static partial void LogAlreadyBootstrapped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warehouse '{Warehouse}' exists")]
    private static partial void LogWarehouseExists(ILogger logger, string warehouse);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warehouse '{Warehouse}' created on local file storage ({Root})")]
    private static partial void LogWarehouseCreated(ILogger logger, string warehouse, string root);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bootstrap failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
