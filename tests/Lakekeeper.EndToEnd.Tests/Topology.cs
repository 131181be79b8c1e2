using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// A whole deployment as separate OS processes on loopback: either the standalone host, or every
/// service behind the gateway. One database, one warehouse folder, the warehouse <c>demo</c>, and
/// a real OpenID provider (npm oidc-provider) whose tokens every service validates itself.
/// <see cref="Client"/> carries the token of <see cref="Admin"/>, who bootstrapped the server.
/// </summary>
public abstract class Topology : IAsyncLifetime
{
    public static readonly OidcClient Admin = new("admin", "RS256", new Dictionary<string, object> { ["name"] = "Ada Admin" });

    /// <summary>An engine (Spark, iceberg-js, …) with its own client-credentials identity.</summary>
    public static readonly OidcClient Engine = new("engine", "ES256");

    /// <summary>A user who holds nothing until the admin grants it.</summary>
    public static readonly OidcClient Bob = new("bob", "RS256", new Dictionary<string, object> { ["name"] = "Bob Reader" });

    private readonly List<ServiceProcess> _processes = [];

    public OidcProvider Idp { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string WarehouseRoot { get; private set; } = null!;

    /// <summary>The deployment's database (tests read ids the API does not show, like namespace ids).</summary>
    public string ConnectionString { get; private set; } = null!;

    /// <summary>The settings every service of the deployment shares.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; private set; } = null!;

    /// <summary>The id of the warehouse <c>demo</c>.</summary>
    public string WarehouseId { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Processes => _processes;

    public async ValueTask InitializeAsync()
    {
        var postgres = await PostgresServer.SharedAsync();
        WarehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-e2e-").FullName;
        Idp = await OidcProvider.StartAsync([Admin, Engine, Bob]);
        ConnectionString = await postgres.CreateDatabaseAsync();
        var common = new Dictionary<string, string>
        {
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = ConnectionString,
            ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = WarehouseRoot,
            ["LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS"] = "127.0.0.1:*",
            ["LAKEKEEPER__OPENID_PROVIDER_URI"] = Idp.IssuerText,
            ["LAKEKEEPER__OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            // A loaded CI machine can take seconds for the authz service's first calls (store and model load).
            ["LAKEKEEPER__AUTHZ__TIMEOUTMS"] = "30000",
        };
        // With an identity provider the builtin authorizer decides (the default): the bootstrapping admin
        // owns what it creates, every other user holds only what is granted.
        Settings = common;
        BaseAddress = await StartAsync(common);
        Client = new HttpClient { BaseAddress = BaseAddress };
        Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Idp.GetTokenAsync(Admin));
        await CreateDemoWarehouseAsync();
    }

    protected abstract Task<Uri> StartAsync(IReadOnlyDictionary<string, string> common);

    /// <summary>Stops what a deployment started besides its service processes (e.g. nats-server).</summary>
    protected virtual ValueTask DisposePeersAsync() => ValueTask.CompletedTask;

    protected async Task<ServiceProcess> RunAsync(string service, int port, IReadOnlyDictionary<string, string> environment)
    {
        // Many hosts start at once on a loaded machine: give each more time than one alone needs.
        var process = await ServiceProcess.StartAsync(service, port, environment, TimeSpan.FromMinutes(3));
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    private async Task CreateDemoWarehouseAsync()
    {
        using (var bootstrap = await Client.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true }))
        {
            Assert.True(bootstrap.IsSuccessStatusCode, await bootstrap.Content.ReadAsStringAsync() + ProcessOutputs());
        }

        var root = Path.Combine(WarehouseRoot, "demo");
        Directory.CreateDirectory(root);
        using var created = await Client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = "demo",
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = root },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync() + ProcessOutputs());
        WarehouseId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("warehouse-id").GetString()!;

        await GrantEngineAsync(WarehouseId);
    }

    /// <summary>
    /// The engine works in a warehouse as a data engineer would: its owner (the admin, who created it)
    /// grants it create and modify there (the builtin authorizer decides).
    /// </summary>
    public async Task GrantEngineAsync(string warehouseId)
    {
        using var granted = await Client.PostAsJsonAsync($"/management/v1/permissions/warehouse/{warehouseId}/assignments", new Dictionary<string, object>
        {
            ["writes"] = new[] { new { type = "create", user = "oidc~" + Engine.Id }, new { type = "modify", user = "oidc~" + Engine.Id } },
        });
        Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync() + ProcessOutputs());
    }

    private string ProcessOutputs() => string.Concat(_processes.Select(p => $"\n--- {p.Name}:\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (Idp is not null)
        {
            await Idp.DisposeAsync();
        }

        await DisposePeersAsync();

        try
        {
            Directory.Delete(WarehouseRoot, recursive: true);
        }
        catch (IOException)
        {
            // Best effort for a temp folder.
        }
    }
}

/// <summary>Every module in one process, serving the clients directly.</summary>
public sealed class StandaloneTopology : Topology
{
    protected override async Task<Uri> StartAsync(IReadOnlyDictionary<string, string> common) =>
        (await RunAsync("standalone", FreePort.Next(), common)).BaseAddress;
}

/// <summary>
/// authz, catalog, signer, management and events as separate processes behind the gateway, each
/// <see cref="Replicas"/> times (the way <c>./lakekeeper up --topology microservices --replicas N</c>
/// runs them): every replica of catalog, signer and management is a destination of its gateway cluster,
/// and every authz replica's gRPC address is in the others' <c>LAKEKEEPER__AUTHZ__ENDPOINT</c>.
/// </summary>
public class MicroservicesTopology : Topology
{
    private readonly Dictionary<ServiceProcess, (int Port, IReadOnlyDictionary<string, string> Environment)> _started = [];

    /// <summary>Processes per scalable service.</summary>
    public virtual int Replicas => 1;

    /// <summary>The gateway process.</summary>
    public ServiceProcess Gateway { get; private set; } = null!;

    /// <summary>Every process of <paramref name="service"/>, in start order.</summary>
    public IReadOnlyList<ServiceProcess> ReplicasOf(string service) => [.. Processes.Where(p => p.Name == service)];

    /// <summary>Settings the gateway gets besides its destinations (e.g. faster health checks).</summary>
    protected virtual IReadOnlyDictionary<string, string> GatewaySettings => new Dictionary<string, string>();

    /// <summary>Settings every service gets besides <c>common</c>.</summary>
    protected virtual IReadOnlyDictionary<string, string> ServiceSettings => new Dictionary<string, string>();

    protected override async Task<Uri> StartAsync(IReadOnlyDictionary<string, string> common)
    {
        var settings = new Dictionary<string, string>(common);
        foreach (var (key, value) in ServiceSettings)
        {
            settings[key] = value;
        }

        var grpcPorts = Enumerable.Range(0, Replicas).Select(_ => FreePort.Next()).ToList();
        await Task.WhenAll(grpcPorts.Select(grpc => StartReplicaAsync("authz", new Dictionary<string, string>
        {
            ["LAKEKEEPER__SERVER__INTERNALPORT"] = grpc.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The builtin engine keeps its tuples in the deployment's database (the services' outbox writes there).
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = common["LAKEKEEPER__DATABASE__CONNECTIONSTRING"],
            ["LAKEKEEPER__AUTHZ_BACKEND"] = "builtin",
        })));
        var withAuthz = new Dictionary<string, string>(settings)
        {
            ["LAKEKEEPER__AUTHZ__ENDPOINT"] = string.Join(',', grpcPorts.Select(grpc => $"http://127.0.0.1:{grpc}")),
        };
        var started = await Task.WhenAll(
            from service in new[] { "catalog", "signer", "management", "events" }
            from replica in Enumerable.Range(0, Replicas)
            select StartReplicaAsync(service, service == "events" ? settings : withAuthz));

        var gateway = new Dictionary<string, string>(GatewaySettings);
        foreach (var service in new[] { "catalog", "signer", "management" })
        {
            var replicas = started.Where(p => p.Name == service).ToList();
            for (var i = 0; i < replicas.Count; i++)
            {
                gateway[$"LAKEKEEPER__GATEWAY__CLUSTERS__{service.ToUpperInvariant()}__DESTINATIONS__D{i + 1}__ADDRESS"] = replicas[i].BaseAddress.ToString();
            }
        }

        Gateway = await RunAsync("gateway", FreePort.Next(), gateway);
        return Gateway.BaseAddress;
    }

    /// <summary>
    /// Starts a replica again on the port and with the settings it had (after it was killed), and waits
    /// until it is ready. The gateway's destination for that port then leads to the new process.
    /// </summary>
    public async Task<ServiceProcess> RestartAsync(ServiceProcess stopped)
    {
        var (port, environment) = _started[stopped];
        var process = await RunAsync(stopped.Name, port, environment);
        _started[process] = (port, environment);
        return process;
    }

    private async Task<ServiceProcess> StartReplicaAsync(string service, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort.Next();
        var process = await RunAsync(service, port, environment);
        lock (_started)
        {
            _started[process] = (port, environment);
        }

        return process;
    }
}
