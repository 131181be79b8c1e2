using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Engines;
using Lakekeeper.Authz.Fga;
using Lakekeeper.Fga;
using Lakekeeper.Fga.Evaluation;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.AuthzBench;

/// <summary>
/// One durable Postgres, the authz service with the builtin backend (as its Program.cs composes it),
/// and a gRPC client host (a module's <c>AddAuthz</c> with the endpoint, no check cache), in one process.
/// The catalog: server → project → warehouse → ns1 → ns2 → ns3 holding 10,000 tables.
/// <list type="bullet">
/// <item><c>check</c>: user <c>deep</c> reads table 5,000 through two nested roles (inner ⊂ outer) and a
/// <c>select</c> grant of <c>outer</c> on ns1, three levels above the table.</item>
/// <item><c>list</c>: user <c>sparse</c> holds <c>select</c> on 100 of the 10,000 tables; list-objects of
/// <c>can_include_in_list</c> within ns3, against a batch check of all 10,000 in the same run.</item>
/// </list>
/// </summary>
internal sealed class AuthzBench : IAsyncDisposable
{
    private const int Tables = 10_000;
    private static readonly Principal Deep = new("oidc~deep");
    private static readonly Principal Sparse = new("oidc~sparse");
    private static readonly Principal Owner = new("oidc~owner");

    private readonly WebApplication _server;
    private readonly IHost _client;

    private AuthzBench(WebApplication server, IHost client)
    {
        _server = server;
        _client = client;
    }

    private IAuthorizer InProcess => _server.Services.GetRequiredService<IAuthorizer>();

    private IAuthorizer OverGrpc => _client.Services.GetRequiredService<IAuthorizer>();

    public static async Task<AuthzBench> StartAsync(TextWriter output)
    {
        var postgres = await PostgresServer.StartDedicatedAsync(durable: true);
        var database = await postgres.CreateDatabaseAsync();
        var server = await StartServerAsync(database);
        var internalAddress = await InternalAddressAsync(server);
        var client = await StartClientAsync(internalAddress);
        var bench = new AuthzBench(server, client);
        var seeding = Stopwatch.StartNew();
        await bench.SeedAsync();
        output.WriteLine($"Seeded {Tables} tables and their grants in {seeding.Elapsed.TotalSeconds:F1} s.");
        return bench;
    }

    public async Task RunAsync(int calls, int lists, TextWriter output)
    {
        output.WriteLine($"Machine: {Machine()}");
        output.WriteLine($"Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average {LoadAverage()}");
        var table = AuthzObject.Table(TableId(5_000));
        if (!await InProcess.CheckAsync(Deep, table, Relations.CanReadData) || await InProcess.CheckAsync(Sparse, table, Relations.CanWriteData))
        {
            throw new InvalidOperationException("The seeded grants do not answer as expected.");
        }

        // Warm-up: tiered JIT reaches its steady state.
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < TimeSpan.FromSeconds(10))
        {
            await InProcess.CheckAsync(Deep, table, Relations.CanReadData);
            await OverGrpc.CheckAsync(Deep, table, Relations.CanReadData);
            await CoreCheckAsync(table);
        }

        await ListAsync(Sparse, 20);
        await BatchAllAsync(2);

        output.WriteLine();
        output.WriteLine($"Check: {calls} sequential calls per target, alternating in rounds of 1,000 (ms)");
        output.WriteLine();
        output.WriteLine("| target | p50 | p90 | p99 | mean |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        var core = new List<double>();
        var local = new List<double>();
        var remote = new List<double>();
        for (var round = 0; round < calls / 1000; round++)
        {
            await TimeAsync(core, 1000, () => CoreCheckAsync(table));
            await TimeAsync(local, 1000, async () => await InProcess.CheckAsync(Deep, table, Relations.CanReadData));
            await TimeAsync(remote, 1000, async () => await OverGrpc.CheckAsync(Deep, table, Relations.CanReadData));
        }

        Row(output, "engine core (CheckResolver on the cached tuples)", core);
        Row(output, "IAuthorizer in process (builtin)", local);
        Row(output, "IAuthorizer over gRPC (no check cache)", remote);

        output.WriteLine();
        output.WriteLine($"List: {lists} runs per target, alternating (ms); 10,000 tables in ns3, select on 100 of them");
        output.WriteLine();
        output.WriteLine("| target | p50 | p90 | p99 | mean | answer |");
        output.WriteLine("|---|---:|---:|---:|---:|---|");
        var listed = new List<double>();
        var listedRemote = new List<double>();
        var owner = new List<double>();
        var batch = new List<double>();
        var answer = 0;
        var ownerAnswer = string.Empty;
        var batchAnswer = 0;
        for (var run = 0; run < lists; run++)
        {
            await TimeAsync(listed, 1, async () => answer = (await ListAsync(Sparse, 1)).Ids.Count);
            await TimeAsync(listedRemote, 1, async () => answer = (await OverGrpc.ListObjectsAsync(Sparse, ObjectTypes.Table, Relations.CanIncludeInList, AuthzObject.Namespace("ns3"))).Ids.Count);
            await TimeAsync(owner, 1, async () => ownerAnswer = (await InProcess.ListObjectsAsync(Owner, ObjectTypes.Table, Relations.CanIncludeInList, AuthzObject.Namespace("ns3"))).Unrestricted ? "all (unrestricted)" : "enumerated");
            if (run % 10 == 0)
            {
                await TimeAsync(batch, 1, async () => batchAnswer = await BatchAllAsync(1));
            }
        }

        Row(output, "list-objects in process (sparse user)", listed, $"{answer} tables");
        Row(output, "list-objects over gRPC (sparse user)", listedRemote, $"{answer} tables");
        Row(output, "list-objects in process (owner of ns3)", owner, ownerAnswer);
        Row(output, "batch check of all 10,000 in process (sparse user)", batch, $"{batchAnswer} allowed");
        var coreBatch = new List<double>();
        var resolutions = 0;
        await TimeAsync(coreBatch, 5, async () => resolutions = await CoreBatchAsync());
        Row(output, "engine core: 10,000 checks, one resolver (sparse user)", coreBatch, $"{resolutions} resolutions");
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<bool> CoreCheckAsync(AuthzObject table)
    {
        var store = _server.Services.GetRequiredService<LakekeeperStore>();
        var bound = await store.GetAsync(CancellationToken.None);
        var tuples = await _server.Services.GetRequiredService<TupleCache>().GetAsync(bound.StoreId, fresh: false, CancellationToken.None);
        return await new CheckResolver(bound.Model, tuples, new FgaUser("user", Deep.UserId!)).CheckAsync(new FgaObject(table.Type, table.Id), Relations.CanReadData);
    }

    private async Task<int> CoreBatchAsync()
    {
        var store = _server.Services.GetRequiredService<LakekeeperStore>();
        var bound = await store.GetAsync(CancellationToken.None);
        var tuples = await _server.Services.GetRequiredService<TupleCache>().GetAsync(bound.StoreId, fresh: false, CancellationToken.None);
        var resolver = new CheckResolver(bound.Model, tuples, new FgaUser("user", Sparse.UserId!));
        for (var i = 0; i < Tables; i++)
        {
            await resolver.CheckAsync(new FgaObject(ObjectTypes.Table, TableId(i)), Relations.CanIncludeInList);
        }

        return resolver.Resolutions;
    }

    private Task<ObjectList> ListAsync(Principal principal, int times)
    {
        Task<ObjectList> last = Task.FromResult(ObjectList.All);
        for (var i = 0; i < times; i++)
        {
            last = InProcess.ListObjectsAsync(principal, ObjectTypes.Table, Relations.CanIncludeInList, AuthzObject.Namespace("ns3")).AsTask();
        }

        return last;
    }

    private async Task<int> BatchAllAsync(int times)
    {
        var items = Enumerable.Range(0, Tables).Select(i => new CheckItem(AuthzObject.Table(TableId(i)), Relations.CanIncludeInList)).ToList();
        var allowed = 0;
        for (var i = 0; i < times; i++)
        {
            allowed = (await InProcess.BatchCheckAsync(Sparse, items)).Count(static a => a);
        }

        return allowed;
    }

    private async Task SeedAsync()
    {
        var authorizer = InProcess;
        var relationships = new List<Relationship>
        {
            Link(AuthzObject.Project("p1"), "server", AuthzObject.Server("s")),
            Link(AuthzObject.Server("s"), "project", AuthzObject.Project("p1")),
            Link(AuthzObject.Warehouse("w1"), "project", AuthzObject.Project("p1")),
            Link(AuthzObject.Project("p1"), "warehouse", AuthzObject.Warehouse("w1")),
            Link(AuthzObject.Namespace("ns1"), "parent", AuthzObject.Warehouse("w1")),
            Link(AuthzObject.Warehouse("w1"), "namespace", AuthzObject.Namespace("ns1")),
            Link(AuthzObject.Namespace("ns2"), "parent", AuthzObject.Namespace("ns1")),
            Link(AuthzObject.Namespace("ns1"), "child", AuthzObject.Namespace("ns2")),
            Link(AuthzObject.Namespace("ns3"), "parent", AuthzObject.Namespace("ns2")),
            Link(AuthzObject.Namespace("ns2"), "child", AuthzObject.Namespace("ns3")),
            new(AuthzSubject.User(Owner.UserId!), Relations.Ownership, AuthzObject.Namespace("ns3")),
            new(AuthzSubject.User(Deep.UserId!), Relations.Assignee, AuthzObject.Role("inner")),
            new(AuthzSubject.RoleAssignees("inner"), Relations.Assignee, AuthzObject.Role("outer")),
            new(AuthzSubject.RoleAssignees("outer"), Relations.Select, AuthzObject.Namespace("ns1")),
        };
        for (var i = 0; i < Tables; i++)
        {
            var table = AuthzObject.Table(TableId(i));
            relationships.Add(Link(table, "parent", AuthzObject.Namespace("ns3")));
            relationships.Add(Link(AuthzObject.Namespace("ns3"), "child", table));
            if (i % 100 == 0)
            {
                relationships.Add(new Relationship(AuthzSubject.User(Sparse.UserId!), Relations.Select, table));
            }
        }

        foreach (var chunk in relationships.Chunk(LocalAuthorizer.MaxRelationshipsPerWrite))
        {
            await authorizer.WriteRelationshipsAsync(chunk);
        }
    }

    private static Relationship Link(AuthzObject child, string relation, AuthzObject parent) =>
        new(AuthzSubject.Of(parent), relation, child);

    private static string TableId(int i) => $"0193a0f5-0000-7000-8000-{i:D12}";

    private static async Task TimeAsync(List<double> samples, int count, Func<Task> action)
    {
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await action();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static void Row(TextWriter output, string name, List<double> samples, string? answer = null)
    {
        samples.Sort();
        double At(double p) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p / 100 * samples.Count) - 1)];
        var line = $"| {name} | {At(50):F3} | {At(90):F3} | {At(99):F3} | {samples.Average():F3} |";
        output.WriteLine(answer is null ? line : line + $" {answer} |");
    }

    private static async Task<WebApplication> StartServerAsync(string database)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Benchmark" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Server:ListenPort"] = "0",
            ["Server:InternalPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Database:ConnectionString"] = database,
            ["AUTHZ_BACKEND"] = AuthzBackends.Builtin,
        });
        builder.AddServiceDefaults("authz");
        builder.Logging.ClearProviders();
        builder.AddAuthzServer();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapAuthzServer();
        await app.StartAsync();
        return app;
    }

    private static async Task<IHost> StartClientAsync(Uri internalAddress)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Benchmark" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authz:Endpoint"] = internalAddress.ToString(),
            ["Authz:CheckCacheMs"] = "0",
        });
        builder.Logging.ClearProviders();
        builder.AddAuthz();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Both ports are 0: only the public one answers an HTTP/1.1 health probe.</summary>
    private static async Task<Uri> InternalAddressAsync(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        using var http = new HttpClient();
        foreach (var address in addresses)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(address, "/health/live"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    continue;
                }
            }
            catch (HttpRequestException)
            {
                return address;
            }

            return address;
        }

        throw new InvalidOperationException("No internal listener.");
    }

    private static string Machine()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{model ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
