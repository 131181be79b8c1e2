using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// Three processes of every scalable service (catalog, signer, management, authz, events) behind one
/// gateway, as <c>./lakekeeper up --topology microservices --replicas 3</c> runs them. The gateway
/// probes its destinations every second (the default is 10 s) so that a killed replica is ejected
/// quickly, and the warehouse caches live 3 s (the default is 10 s) so that the bound is short.
/// </summary>
public sealed class ReplicatedTopology : MicroservicesTopology
{
    /// <summary>The warehouse cache duration of catalog and signer replicas in this deployment.</summary>
    public static readonly TimeSpan WarehouseCacheDuration = TimeSpan.FromSeconds(3);

    /// <summary>The JetStream stream the three events relays publish to.</summary>
    public const string EventStream = "lakekeeper_events";

    public override int Replicas => 3;

    /// <summary>nats-server with JetStream: every events replica relays the outbox to it.</summary>
    public NatsServer Nats { get; private set; } = null!;

    protected override async Task<Uri> StartAsync(IReadOnlyDictionary<string, string> common)
    {
        Nats = await NatsServer.StartAsync();
        return await base.StartAsync(common);
    }

    protected override async ValueTask DisposePeersAsync()
    {
        if (Nats is not null)
        {
            await Nats.DisposeAsync();
        }
    }

    protected override IReadOnlyDictionary<string, string> GatewaySettings =>
        new[] { "CATALOG", "SIGNER", "MANAGEMENT" }.SelectMany(cluster => new[]
        {
            KeyValuePair.Create($"LAKEKEEPER__GATEWAY__CLUSTERS__{cluster}__HEALTHCHECK__ACTIVE__INTERVAL", "00:00:01"),
            KeyValuePair.Create($"LAKEKEEPER__GATEWAY__CLUSTERS__{cluster}__HEALTHCHECK__ACTIVE__TIMEOUT", "00:00:02"),
        }).ToDictionary();

    protected override IReadOnlyDictionary<string, string> ServiceSettings => new Dictionary<string, string>
    {
        ["LAKEKEEPER__CATALOG__WAREHOUSECACHEDURATION"] = WarehouseCacheDuration.ToString("c", CultureInfo.InvariantCulture),
        ["LAKEKEEPER__SIGNER__WAREHOUSECACHEDURATION"] = WarehouseCacheDuration.ToString("c", CultureInfo.InvariantCulture),
        // Many processes on few cores: an authz call may wait for a CPU longer than the default 2 s.
        ["LAKEKEEPER__AUTHZ__TIMEOUTMS"] = "10000",
        ["LAKEKEEPER__NATS_ADDRESS"] = Nats.Url,
        ["LAKEKEEPER__NATS_TOPIC"] = "lakekeeper.events",
        ["LAKEKEEPER__EVENTS__NATSSTREAM"] = EventStream,
        ["LAKEKEEPER__EVENTS__POLLINTERVAL"] = "00:00:00.200",
    };
}

/// <summary>
/// Sixteen service processes are a lot for a 2-core machine: these tests run alone, after the others,
/// so that neither they nor the other end-to-end tests miss deadlines because of each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutCollection
{
    public const string Name = "scale-out";
}

/// <summary>
/// Scale-out on one machine: N replicas behind the gateway behave like one. Writers and creates race
/// across replicas with the same outcomes as on one process, a replica killed with SIGKILL under load
/// costs only retried requests (none after the gateway ejected it) and no acknowledged commit, and
/// warehouse changes made through one replica reach the others within the documented cache bound.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests(ReplicatedTopology topology) : IClassFixture<ReplicatedTopology>
{
    private static readonly TimeSpan BoundSlack = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Every_replica_is_its_own_ready_process_and_iceberg_js_lives_through_them()
    {
        foreach (var service in new[] { "catalog", "signer", "management", "authz", "events" })
        {
            var replicas = Live(service);
            Assert.Equal(3, replicas.Count);
            Assert.Equal(3, replicas.Select(r => r.ProcessId).Distinct().Count());
            foreach (var replica in replicas)
            {
                using var http = new HttpClient { BaseAddress = replica.BaseAddress };
                using var ready = await http.GetAsync("/health/ready");
                Assert.True(ready.IsSuccessStatusCode, $"{service} at {replica.BaseAddress}: {(int)ready.StatusCode}");
            }
        }

        var token = await topology.Idp.GetTokenAsync(Topology.Engine);
        var observed = await IcebergJsLifecycle.RunAsync(topology.BaseAddress, "demo", "rep" + Guid.NewGuid().ToString("N")[..6], token);
        Assert.Equal(4242, observed.GetProperty("currentSnapshotId").GetInt64());
        Assert.Equal(409, observed.GetProperty("staleCommit").GetInt32());
    }

    [Fact]
    public async Task Sixteen_writers_through_the_gateway_lose_no_commit_and_see_only_200_or_409()
    {
        var catalog = await CatalogAsync(topology.Client);
        var table = await catalog.CreateTableAsync("writers" + Suffix(), "t");
        var acknowledged = new ConcurrentBag<long>();
        var statuses = new ConcurrentDictionary<int, int>();

        async Task WriterAsync()
        {
            for (var append = 0; append < 2; append++)
            {
                for (var attempt = 0; ; attempt++)
                {
                    Assert.True(attempt < 100, "a writer lost 100 races in a row");
                    var state = await catalog.LoadAsync(table);
                    var id = NextSnapshotId();
                    using var reply = await catalog.CommitAsync(table, AppendBody(state, id));
                    statuses.AddOrUpdate((int)reply.StatusCode, 1, (_, n) => n + 1);
                    if (reply.StatusCode == HttpStatusCode.OK)
                    {
                        acknowledged.Add(id);
                        break;
                    }

                    if (reply.StatusCode != HttpStatusCode.Conflict)
                    {
                        return;
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(WriterAsync)));

        Assert.True(statuses.Keys.All(s => s is 200 or 409), "statuses: " + string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}")));
        Assert.Equal(32, acknowledged.Count);
        var final = await catalog.LoadAsync(table);
        Assert.Equal(acknowledged.Order(), final.MainChain().Order());
    }

    [Fact]
    public async Task Fifty_concurrent_creates_of_one_name_spread_over_the_replicas_give_one_table()
    {
        var gateway = await CatalogAsync(topology.Client);
        var ns = "creates" + Suffix();
        using (var created = await gateway.SendAsync(HttpMethod.Post, "namespaces", $$"""{"namespace":["{{ns}}"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        // Straight to the replicas in turn, so that the spread is a fact and not the gateway's choice.
        var replicas = Live("catalog").Select(r => gateway.On(Authorized(r.BaseAddress))).ToList();
        Assert.Equal(3, replicas.Count);
        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            using var reply = await replicas[i % replicas.Count].SendAsync(HttpMethod.Post, $"namespaces/{ns}/tables", CreateTableBody("t"));
            return (reply.StatusCode, Body: await reply.Content.ReadAsStringAsync());
        })));

        Assert.Single(replies, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(replies.Where(r => r.StatusCode != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Contains("AlreadyExistsException", r.Body, StringComparison.Ordinal);
        });
        using var list = await gateway.SendAsync(HttpMethod.Get, $"namespaces/{ns}/tables", null);
        using var tables = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        Assert.Single(tables.RootElement.GetProperty("identifiers").EnumerateArray());
    }

    [Fact]
    public async Task A_catalog_replica_killed_under_load_fails_no_load_and_loses_no_acknowledged_commit()
    {
        var catalog = await CatalogAsync(topology.Client);
        var table = await catalog.CreateTableAsync("kill" + Suffix(), "t");
        var acknowledged = new ConcurrentBag<long>();
        var unknown = new ConcurrentBag<long>();
        var failures = new ConcurrentBag<string>();
        var unexpected = new ConcurrentBag<string>();
        var countFailures = true;
        using var stop = new CancellationTokenSource();

        // A client that retries what a dead upstream causes: 502/503 from the gateway, or a transport failure.
        // Loads never need it: the gateway itself retries a GET on another replica (docs/gateway.md, "Failover").
        async Task<HttpResponseMessage?> RetriedAsync(Func<Task<HttpResponseMessage>> send, bool isLoad = false)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                HttpResponseMessage? reply = null;
                try
                {
                    reply = await send();
                }
                catch (HttpRequestException ex)
                {
                    failures.Add(ex.Message);
                }

                if (reply is { StatusCode: not (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable) })
                {
                    return reply;
                }

                if (reply is not null)
                {
                    failures.Add(((int)reply.StatusCode).ToString(CultureInfo.InvariantCulture));
                    reply.Dispose();
                    if (isLoad)
                    {
                        // (A load whose response had started when the replica died is cut off instead: a transport failure.)
                        unexpected.Add("a loadTable was answered 502/503, but the gateway retries GETs on another replica");
                    }
                }

                if (!countFailures)
                {
                    unexpected.Add("a retried failure after the gateway ejected the replica");
                }

                await Task.Delay(50);
            }

            unexpected.Add("50 attempts failed");
            return null;
        }

        async Task WriterAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                using var load = await RetriedAsync(() => catalog.SendAsync(HttpMethod.Get, table, null), isLoad: true);
                if (load is null)
                {
                    return;
                }

                var state = new TableState(JsonDocument.Parse(await load.Content.ReadAsStringAsync()).RootElement.Clone());
                var id = NextSnapshotId();
                var hadFailures = failures.Count;
                using var reply = await RetriedAsync(() => catalog.SendAsync(HttpMethod.Post, table, AppendBody(state, id)));
                if (reply is null)
                {
                    return;
                }

                if (reply.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged.Add(id);
                }
                else if (reply.StatusCode == HttpStatusCode.Conflict)
                {
                    // A commit that failed in transit may still have landed before its retry lost the race.
                    if (failures.Count != hadFailures)
                    {
                        unknown.Add(id);
                    }
                }
                else
                {
                    unexpected.Add($"commit answered {(int)reply.StatusCode}: {await reply.Content.ReadAsStringAsync()}");
                }
            }
        }

        var writers = Enumerable.Range(0, 6).Select(_ => Task.Run(WriterAsync)).ToList();
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= 6 || writers.Any(w => w.IsCompleted)), TimeSpan.FromMinutes(1), "commits before the kill");

        var victim = Live("catalog")[1];
        victim.Kill();

        // A run of loads through the gateway of which none failed (the gateway's retry hides the dead
        // replica from GETs; that it is ejected at its first failure is checked in Lakekeeper.Gateway.Tests).
        var streak = 0;
        await Eventually.TrueAsync(async () =>
        {
            using var reply = await catalog.SendAsync(HttpMethod.Get, table, null);
            streak = reply.IsSuccessStatusCode ? streak + 1 : 0;
            return streak >= 30;
        }, TimeSpan.FromMinutes(1), "the gateway to stop sending to the killed replica");

        countFailures = false;
        var failedBeforeEjection = failures.Count;
        var committedBefore = acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(acknowledged.Count >= committedBefore + 12 || writers.Any(w => w.IsCompleted)),
            TimeSpan.FromMinutes(1), "commits after the ejection");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Empty(unexpected);
        // Only commits in flight on the replica when it died can have failed (the gateway does not replay a
        // write the upstream may have applied); there may be none.
        Assert.All(failures, f => Assert.True(f is "502" or "503" || !char.IsDigit(f[0]), "unexpected failure: " + f));
        Assert.Equal(failedBeforeEjection, failures.Count);

        var final = await catalog.LoadAsync(table);
        var chain = final.MainChain();
        Assert.Subset(chain.ToHashSet(), acknowledged.ToHashSet());
        Assert.Subset(acknowledged.Concat(unknown).ToHashSet(), chain.ToHashSet());

        // Back on its port, the replica serves again (the other tests of this class want three).
        var restarted = await topology.RestartAsync(victim);
        Assert.False(restarted.HasExited);
    }

    [Fact]
    public async Task A_warehouse_deactivated_renamed_or_deleted_through_one_replica_is_seen_by_every_other_within_the_cache_bound()
    {
        var name = "cache" + Suffix();
        var root = Path.Combine(topology.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        string warehouseId;
        using (var created = await topology.Client.PostAsync("/management/v1/warehouse",
            Json($$$"""{"warehouse-name":"{{{name}}}","storage-profile":{"type":"file","root":"{{{root}}}"}}""")))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            warehouseId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("warehouse-id").GetString()!;
        }

        var gateway = await CatalogAsync(topology.Client, name);
        var table = await gateway.CreateTableAsync("ns", "t");
        var catalogs = Live("catalog").Select(r => gateway.On(Authorized(r.BaseAddress))).ToList();
        var managements = Live("management").Select(r => Authorized(r.BaseAddress)).ToList();

        // Every catalog replica has the warehouse cached.
        foreach (var catalog in catalogs)
        {
            using var load = await catalog.SendAsync(HttpMethod.Get, table, null);
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        var bound = ReplicatedTopology.WarehouseCacheDuration + BoundSlack;
        // Deactivated through the first management replica: every catalog replica refuses it within the bound.
        using (var deactivated = await managements[0].PostAsync($"/management/v1/warehouse/{warehouseId}/deactivate", null))
        {
            Assert.True(deactivated.IsSuccessStatusCode, await deactivated.Content.ReadAsStringAsync());
        }

        foreach (var (catalog, i) in catalogs.Select((c, i) => (c, i)))
        {
            await Eventually.TrueAsync(async () =>
            {
                using var load = await catalog.SendAsync(HttpMethod.Get, table, null);
                return load.StatusCode == HttpStatusCode.NotFound;
            }, bound, $"catalog replica {i + 1} to refuse the deactivated warehouse");
        }

        // Activated and renamed through the third: served again, and found by its new name (and not by
        // its old one) on every replica (a lookup by name always reads the database).
        using (var activated = await managements[2].PostAsync($"/management/v1/warehouse/{warehouseId}/activate", null))
        {
            Assert.True(activated.IsSuccessStatusCode, await activated.Content.ReadAsStringAsync());
        }

        var renamed = name + "_renamed";
        using (var rename = await managements[2].PostAsync($"/management/v1/warehouse/{warehouseId}/rename", Json($$"""{"new-name":"{{renamed}}"}""")))
        {
            Assert.True(rename.IsSuccessStatusCode, await rename.Content.ReadAsStringAsync());
        }

        foreach (var (replica, i) in Live("catalog").Select((r, i) => (r, i)))
        {
            using var http = Authorized(replica.BaseAddress);
            await Eventually.TrueAsync(async () =>
            {
                using var load = await catalogs[i].SendAsync(HttpMethod.Get, table, null);
                return load.StatusCode == HttpStatusCode.OK;
            }, bound, $"catalog replica {i + 1} to serve the activated warehouse");
            using (var byNewName = await http.GetAsync($"/catalog/v1/config?warehouse={renamed}"))
            {
                Assert.Equal(HttpStatusCode.OK, byNewName.StatusCode);
                Assert.Contains(warehouseId, await byNewName.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using var byOldName = await http.GetAsync($"/catalog/v1/config?warehouse={name}");
            Assert.Equal(HttpStatusCode.NotFound, byOldName.StatusCode);
        }

        // Emptied and deleted through the second management replica: gone everywhere.
        using (var dropped = await gateway.SendAsync(HttpMethod.Delete, table, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, dropped.StatusCode);
        }

        using (var droppedNs = await gateway.SendAsync(HttpMethod.Delete, "namespaces/ns", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, droppedNs.StatusCode);
        }

        using (var deleted = await managements[1].DeleteAsync($"/management/v1/warehouse/{warehouseId}"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        foreach (var management in managements)
        {
            using var get = await management.GetAsync($"/management/v1/warehouse/{warehouseId}");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }

        foreach (var (catalog, i) in catalogs.Select((c, i) => (c, i)))
        {
            await Eventually.TrueAsync(async () =>
            {
                using var list = await catalog.SendAsync(HttpMethod.Get, "namespaces", null);
                return list.StatusCode == HttpStatusCode.NotFound;
            }, bound, $"catalog replica {i + 1} to answer 404 for the deleted warehouse");
        }
    }

    [Fact]
    public async Task Three_events_relays_deliver_every_event_of_the_outbox_once_to_a_consumer_that_dedupes_by_id()
    {
        var gateway = await CatalogAsync(topology.Client);
        var table = await gateway.CreateTableAsync("events" + Suffix(), "t");
        // One after the other (the gateway spreads them over the catalogs); the relays run meanwhile.
        for (var i = 0; i < 30; i++)
        {
            using var reply = await gateway.CommitAsync(table,
                $$$"""{"requirements":[],"updates":[{"action":"set-properties","updates":{"n":"{{{i}}}"}}]}""");
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        }

        var tableId = (await gateway.LoadAsync(table)).Uuid;

        // The outbox rows of this table (its create and 30 commits), once every relay has published them.
        IReadOnlyList<(Guid Id, bool Published)> outbox = [];
        await Eventually.TrueAsync(async () =>
        {
            outbox = await OutboxAsync(tableId);
            return outbox.Count == 31 && outbox.All(e => e.Published);
        }, TimeSpan.FromMinutes(1), "the 31 events of the table to be published");

        // A consumer that reads the stream from its start and keeps the first message of each id.
        var delivered = await ReadStreamIdsAsync(topology.Nats.Url, ReplicatedTopology.EventStream);
        var ours = outbox.Select(e => e.Id).ToHashSet();
        var received = delivered.Where(ours.Contains).ToList();
        Assert.Equal(ours.Order(), received.Distinct().Order());
        // JetStream dropped what a relay may have published twice (Nats-Msg-Id), so the consumer saw each once.
        Assert.Equal(received.Count, received.Distinct().Count());
    }

    private async Task<IReadOnlyList<(Guid Id, bool Published)>> OutboxAsync(string tableId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(topology.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT event_id, NOT EXISTS (SELECT 1 FROM event_pending p WHERE p.seq = e.seq) FROM event_outbox e WHERE object_id = $1::uuid ORDER BY seq", connection)
        {
            Parameters = { new Npgsql.NpgsqlParameter { Value = tableId } },
        };
        var rows = new List<(Guid, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetBoolean(1)));
        }

        return rows;
    }

    private static async Task<IReadOnlyList<Guid>> ReadStreamIdsAsync(string url, string stream)
    {
        await using var connection = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = url });
        var js = new NATS.Client.JetStream.NatsJSContext(connection);
        var count = (await js.GetStreamAsync(stream)).Info.State.Messages;
        var ids = new List<Guid>();
        var consumer = await js.CreateOrderedConsumerAsync(stream,
            new NATS.Client.JetStream.NatsJSOrderedConsumerOpts { DeliverPolicy = NATS.Client.JetStream.Models.ConsumerConfigDeliverPolicy.All });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var message in consumer.ConsumeAsync<ReadOnlyMemory<byte>>(cancellationToken: deadline.Token))
        {
            // Structured CloudEvents JSON: the event's own id attribute.
            using var document = JsonDocument.Parse(message.Data);
            ids.Add(Guid.Parse(document.RootElement.GetProperty("id").GetString()!));
            if (ids.Count == count)
            {
                break;
            }
        }

        return ids;
    }

    private List<ServiceProcess> Live(string service) => [.. topology.ReplicasOf(service).Where(p => !p.HasExited)];

    private HttpClient Authorized(Uri baseAddress)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Authorization = topology.Client.DefaultRequestHeaders.Authorization;
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private static long NextSnapshotId() => Random.Shared.NextInt64(1, long.MaxValue);

    private static async Task<IcebergHttp> CatalogAsync(HttpClient client, string warehouse = "demo")
    {
        using var config = JsonDocument.Parse(await client.GetStringAsync($"/catalog/v1/config?warehouse={warehouse}"));
        return new IcebergHttp(client, config.RootElement.GetProperty("overrides").GetProperty("prefix").GetString()!);
    }

    private static string CreateTableBody(string name) =>
        $$$"""{"name":"{{{name}}}","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""";

    private static string AppendBody(TableState state, long snapshotId)
    {
        var parent = state.MainSnapshotId;
        var snapshot = new Dictionary<string, object?>
        {
            ["snapshot-id"] = snapshotId,
            ["sequence-number"] = state.LastSequenceNumber + 1,
            ["timestamp-ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["manifest-list"] = $"{state.Location}/metadata/snap-{snapshotId.ToString(CultureInfo.InvariantCulture)}.avro",
            ["summary"] = new Dictionary<string, string> { ["operation"] = "append" },
            ["schema-id"] = 0,
        };
        if (parent is not null)
        {
            snapshot["parent-snapshot-id"] = parent;
        }

        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["requirements"] = new object[]
            {
                new Dictionary<string, object?> { ["type"] = "assert-table-uuid", ["uuid"] = state.Uuid },
                new Dictionary<string, object?> { ["type"] = "assert-ref-snapshot-id", ["ref"] = "main", ["snapshot-id"] = parent },
            },
            ["updates"] = new object[]
            {
                new Dictionary<string, object?> { ["action"] = "add-snapshot", ["snapshot"] = snapshot },
                new Dictionary<string, object?> { ["action"] = "set-snapshot-ref", ["ref-name"] = "main", ["type"] = "branch", ["snapshot-id"] = snapshotId },
            },
        });
    }

    /// <summary>The Iceberg REST API of one warehouse through one client (the gateway, or one replica).</summary>
    private sealed class IcebergHttp(HttpClient client, string prefix)
    {
        public IcebergHttp On(HttpClient other) => new(other, prefix);

        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body)
        {
            var request = new HttpRequestMessage(method, $"/catalog/v1/{prefix}/{path}");
            if (body is not null)
            {
                request.Content = Json(body);
            }

            return client.SendAsync(request);
        }

        /// <summary>Creates the namespace (if missing) and the table; returns the table's path.</summary>
        public async Task<string> CreateTableAsync(string ns, string name)
        {
            using (var created = await SendAsync(HttpMethod.Post, "namespaces", $$"""{"namespace":["{{ns}}"]}"""))
            {
                Assert.True(created.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
            }

            using (var table = await SendAsync(HttpMethod.Post, $"namespaces/{ns}/tables", CreateTableBody(name)))
            {
                Assert.True(table.StatusCode == HttpStatusCode.OK, await table.Content.ReadAsStringAsync());
            }

            return $"namespaces/{ns}/tables/{name}";
        }

        public async Task<TableState> LoadAsync(string table)
        {
            using var reply = await SendAsync(HttpMethod.Get, table, null);
            var body = await reply.Content.ReadAsStringAsync();
            Assert.True(reply.StatusCode == HttpStatusCode.OK, body);
            return new TableState(JsonDocument.Parse(body).RootElement.Clone());
        }

        public Task<HttpResponseMessage> CommitAsync(string table, string body) => SendAsync(HttpMethod.Post, table, body);
    }

    private sealed class TableState(JsonElement load)
    {
        private JsonElement Metadata => load.GetProperty("metadata");

        public string Uuid => Metadata.GetProperty("table-uuid").GetString()!;

        public string Location => Metadata.GetProperty("location").GetString()!;

        public long LastSequenceNumber => Metadata.TryGetProperty("last-sequence-number", out var n) ? n.GetInt64() : 0;

        public long? MainSnapshotId =>
            Metadata.TryGetProperty("refs", out var refs) && refs.TryGetProperty("main", out var main) ? main.GetProperty("snapshot-id").GetInt64() : null;

        /// <summary>The snapshot ids from main's head back to the first, following parents.</summary>
        public IReadOnlyList<long> MainChain()
        {
            var parents = Metadata.TryGetProperty("snapshots", out var snapshots)
                ? snapshots.EnumerateArray().ToDictionary(
                    s => s.GetProperty("snapshot-id").GetInt64(),
                    s => s.TryGetProperty("parent-snapshot-id", out var p) ? p.GetInt64() : (long?)null)
                : [];
            var chain = new List<long>();
            for (var id = MainSnapshotId; id is { } current; id = parents[current])
            {
                Assert.DoesNotContain(current, chain);
                chain.Add(current);
            }

            return chain;
        }
    }
}
