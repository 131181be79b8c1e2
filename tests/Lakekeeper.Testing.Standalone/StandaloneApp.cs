using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

namespace Lakekeeper.Testing;

/// <summary>
/// The standalone host, composed exactly as its <c>Program.cs</c> does, served by real Kestrel on
/// a loopback port with a fresh database and a private warehouse folder.
/// </summary>
public sealed class StandaloneApp : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private StandaloneApp(WebApplicationFactory<Program> factory, Uri baseAddress, string connectionString, string warehouseRoot)
    {
        _factory = factory;
        BaseAddress = baseAddress;
        ConnectionString = connectionString;
        WarehouseRoot = warehouseRoot;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    /// <summary>The app's own database (a clone of the migrated template).</summary>
    public string ConnectionString { get; }

    /// <summary>A temporary folder the app may create file warehouses under.</summary>
    public string WarehouseRoot { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// The settings a test app runs with; <paramref name="overrides"/> may add or replace any.
    /// <paramref name="logs"/>, when given, receives every log line of the app. <paramref name="services"/>,
    /// when given, changes the app's services after the host composed them (e.g. wraps a binding).
    /// </summary>
    public static async Task<StandaloneApp> StartAsync(
        IReadOnlyDictionary<string, string?>? overrides = null, CapturedLogs? logs = null, Action<IServiceCollection>? services = null)
    {
        var postgres = await PostgresServer.SharedAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        var warehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-wh-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = connectionString,
            ["Server:ListenPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Secrets:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Storage:AllowedFileRoots:0"] = warehouseRoot,
            // S3 in tests is s3rver on loopback, which the endpoint policy refuses unless listed.
            ["Storage:ALLOWED_S3_ENDPOINTS"] = "127.0.0.1:*",
            ["Log:Format"] = "text",
            ["Log:Level"] = "Warning",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            if (logs is not null)
            {
                builder.ConfigureLogging(logging => CapturedLogs.AddTo(logging, logs));
            }

            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = new Uri(addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The app listens on no http:// address ({string.Join(", ", addresses)})"));
        return new StandaloneApp(factory, address, connectionString, warehouseRoot);
    }

    /// <summary>Bootstraps the server and creates a file warehouse; returns its id (the catalog prefix).</summary>
    public async Task<string> CreateWarehouseAsync(string name = "demo")
    {
        using (var bootstrap = await Client.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true }))
        {
            if (!bootstrap.IsSuccessStatusCode && (int)bootstrap.StatusCode != 409)
            {
                throw new InvalidOperationException($"bootstrap failed: {(int)bootstrap.StatusCode} {await bootstrap.Content.ReadAsStringAsync()}");
            }
        }

        var root = Path.Combine(WarehouseRoot, name);
        Directory.CreateDirectory(root);
        using var response = await Client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = root },
        });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating warehouse {name} failed: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("warehouse-id").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(WarehouseRoot, recursive: true);
        }
        catch (IOException)
        {
            // A purge may still be running; the temp folder goes with the machine.
        }
    }
}
