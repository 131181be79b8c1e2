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

    private readonly List<ServiceProcess> _processes = [];

    public OidcProvider Idp { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string WarehouseRoot { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Processes => _processes;

    public async ValueTask InitializeAsync()
    {
        var postgres = await PostgresServer.SharedAsync();
        WarehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-e2e-").FullName;
        Idp = await OidcProvider.StartAsync([Admin, Engine]);
        var common = new Dictionary<string, string>
        {
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = await postgres.CreateDatabaseAsync(),
            ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = WarehouseRoot,
            ["LAKEKEEPER__OPENID_PROVIDER_URI"] = Idp.IssuerText,
            ["LAKEKEEPER__OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            // Until the catalog writes ownership and hierarchy tuples, an identity provider alone would
            // select builtin and deny everything (docs/authz.md, "Interim").
            ["LAKEKEEPER__AUTHZ_BACKEND"] = "allowall",
        };
        BaseAddress = await StartAsync(common);
        Client = new HttpClient { BaseAddress = BaseAddress };
        Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Idp.GetTokenAsync(Admin));
        await CreateDemoWarehouseAsync();
    }

    protected abstract Task<Uri> StartAsync(IReadOnlyDictionary<string, string> common);

    protected async Task<ServiceProcess> RunAsync(string service, int port, IReadOnlyDictionary<string, string> environment)
    {
        var process = await ServiceProcess.StartAsync(service, port, environment);
        _processes.Add(process);
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
        Assert.NotNull(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("warehouse-id").GetString());
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

/// <summary>authz, catalog, signer, management and events as separate processes behind the gateway.</summary>
public sealed class MicroservicesTopology : Topology
{
    protected override async Task<Uri> StartAsync(IReadOnlyDictionary<string, string> common)
    {
        var authzGrpc = FreePort.Next();
        await RunAsync("authz", FreePort.Next(), new Dictionary<string, string> { ["LAKEKEEPER__SERVER__INTERNALPORT"] = authzGrpc.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var withAuthz = new Dictionary<string, string>(common) { ["LAKEKEEPER__AUTHZ__ENDPOINT"] = $"http://127.0.0.1:{authzGrpc}" };
        var started = await Task.WhenAll(
            RunAsync("catalog", FreePort.Next(), withAuthz),
            RunAsync("signer", FreePort.Next(), withAuthz),
            RunAsync("management", FreePort.Next(), withAuthz),
            RunAsync("events", FreePort.Next(), common));
        var gateway = await RunAsync("gateway", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS"] = started[0].BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__DESTINATIONS__D1__ADDRESS"] = started[1].BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__MANAGEMENT__DESTINATIONS__D1__ADDRESS"] = started[2].BaseAddress.ToString(),
        });
        return gateway.BaseAddress;
    }
}
