using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Lakekeeper.Events;
using Lakekeeper.Testing;
using NATS.Client.Core;
using Npgsql;

// Change events: commit -> delivered latency at a fixed commit rate, relay throughput with one and two
// relays, and commit throughput with the relay on and off. Real Postgres (durable), nats-server with
// JetStream, the Release hosts as processes (standalone catalog with its relay off, events services).
var rate = Arg("--rate", 200);
var seconds = Arg("--seconds", 20);
var backlog = Arg("--backlog", 50_000);
var rounds = Arg("--rounds", 3);
var writers = Arg("--writers", 16);
Console.WriteLine($"EventsBench {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");

var postgres = await PostgresServer.StartDedicatedAsync(durable: true);
var database = await postgres.CreateDatabaseAsync();
await using var nats = await NatsServer.StartAsync();
var warehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-evbench-").FullName;
const string Subject = "lakekeeper.bench";
var common = new Dictionary<string, string>
{
    ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = database,
    ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
    ["LAKEKEEPER__NATS_ADDRESS"] = nats.Url,
    ["LAKEKEEPER__NATS_TOPIC"] = Subject,
    ["LAKEKEEPER__EVENTS__NATSSTREAM"] = "bench",
};
await using var catalog = await ServiceProcess.StartAsync("standalone", FreePort.Next(), new Dictionary<string, string>(common)
{
    ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = warehouseRoot,
    ["LAKEKEEPER__EVENTS__RELAY"] = "false",
});
using var http = new HttpClient { BaseAddress = catalog.BaseAddress };
(await http.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true })).EnsureSuccessStatusCode();
Directory.CreateDirectory(Path.Combine(warehouseRoot, "bench"));
var created = await http.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
{
    ["warehouse-name"] = "bench",
    ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = Path.Combine(warehouseRoot, "bench") },
});
var prefix = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("warehouse-id").GetString()!;
(await http.PostAsJsonAsync($"/catalog/v1/{prefix}/namespaces", new { @namespace = new[] { "b" } })).EnsureSuccessStatusCode();
for (var t = 0; t < 100; t++)
{
    (await http.PostAsync($"/catalog/v1/{prefix}/namespaces/b/tables", Json($$$"""{"name":"t{{{t}}}","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}"""))).EnsureSuccessStatusCode();
}

await using var dataSource = NpgsqlDataSource.Create(database);
var conflicts = 0;
var only = args.Contains("--only") ? args[Array.IndexOf(args, "--only") + 1] : null;
if (only is null or "latency")
{
    await using var relay = await StartRelayAsync();
    await DrainedAsync();
    await LatencyAsync();
}

if (only is null or "relay")
{
    await RelayThroughputAsync();
}

if (only is null or "commits")
{
    await CommitThroughputAsync();
}

return 0;

// Commit -> delivered: commits at a fixed rate over 100 tables; "delivered" is when JetStream stored the
// event (the stream's own timestamp, read back afterwards: a live subscriber on 2 busy cores drops messages).
async Task LatencyAsync()
{
    var sent = new ConcurrentDictionary<string, (DateTimeOffset Sent, DateTimeOffset Acknowledged)>();
    var interval = TimeSpan.FromSeconds(1.0 / rate);
    var warmup = rate * 5;
    var total = warmup + (rate * seconds);
    var start = Stopwatch.GetTimestamp();
    var commits = new List<Task>();
    for (var i = 0; i < total; i++)
    {
        var due = start + (long)(i * interval.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < due)
        {
            await Task.Delay(1);
        }

        var n = i;
        commits.Add(Task.Run(async () =>
        {
            var id = "lat-" + n.ToString(CultureInfo.InvariantCulture);
            var before = DateTimeOffset.UtcNow;
            if (await CommitAsync(http, $"t{n % 100}", id) && n >= warmup)
            {
                sent[id] = (before, DateTimeOffset.UtcNow);
            }
        }));
    }

    await Task.WhenAll(commits);
    var achieved = total / Stopwatch.GetElapsedTime(start).TotalSeconds;
    await DrainedAsync();
    await using (var diag = dataSource.CreateCommand("SELECT event_type || ':' || count(*) || ':' || count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM event_pending p WHERE p.seq = e.seq)) FROM event_outbox e GROUP BY event_type"))
    await using (var reader = await diag.ExecuteReaderAsync())
    {
        while (await reader.ReadAsync())
        {
            Console.WriteLine("  (outbox " + reader.GetString(0) + ")");
        }
    }

    var stored = new Dictionary<string, DateTimeOffset>();
    await using (var connection = new NatsConnection(new NatsOpts { Url = nats.Url }))
    {
        var js = new NATS.Client.JetStream.NatsJSContext(connection);
        var count = (await js.GetStreamAsync("bench")).Info.State.Messages;
        var consumer = await js.CreateOrderedConsumerAsync("bench", new NATS.Client.JetStream.NatsJSOrderedConsumerOpts());
        var read = 0L;
        var withoutMetadata = 0;
        string? sample = null;
        await foreach (var message in consumer.ConsumeAsync<ReadOnlyMemory<byte>>())
        {
            var requestId = (string?)ChangeEventFormat.Decode(message.Data)[ChangeEventFormat.TraceId];
            sample ??= requestId;
            if (message.Metadata is not { } metadata)
            {
                withoutMetadata++;
            }
            else if (requestId is not null)
            {
                stored.TryAdd(requestId, metadata.Timestamp);
            }

            if (++read == count)
            {
                break;
            }
        }

        Console.WriteLine($"  (read {read} of {count} stream messages; {withoutMetadata} without metadata; a request id: {sample})");
    }

    var delivered = sent.Where(p => stored.ContainsKey(p.Key)).ToList();
    var fromAck = delivered.Select(p => (stored[p.Key] - p.Value.Acknowledged).TotalMilliseconds).Order().ToList();
    var fromSend = delivered.Select(p => (stored[p.Key] - p.Value.Sent).TotalMilliseconds).Order().ToList();
    var commitMs = delivered.Select(p => (p.Value.Acknowledged - p.Value.Sent).TotalMilliseconds).Order().ToList();
    Console.WriteLine($"latency at {rate} commits/s (achieved {achieved:N0}/s), {delivered.Count} of {sent.Count} commits found in the stream, 100 tables, one relay; {conflicts} commits lost to retries (409):");
    Console.WriteLine($"  commit response -> stored in JetStream: p50 {P(fromAck, 50):0.0} ms  p99 {P(fromAck, 99):0.0} ms  max {fromAck[^1]:0.0} ms");
    Console.WriteLine($"  commit sent     -> stored in JetStream: p50 {P(fromSend, 50):0.0} ms  p99 {P(fromSend, 99):0.0} ms");
    Console.WriteLine($"  the commit itself:                      p50 {P(commitMs, 50):0.0} ms  p99 {P(commitMs, 99):0.0} ms");
}

// Relay throughput: a backlog written at once, drained by one relay, then by two; alternated.
async Task RelayThroughputAsync()
{
    var tables = Enumerable.Range(0, 100).Select(_ => Guid.CreateVersion7()).ToArray();
    var results = new Dictionary<int, List<double>> { [1] = [], [2] = [] };
    for (var r = 0; r < rounds; r++)
    {
        foreach (var count in new[] { 1, 2 })
        {
            var relays = new List<ServiceProcess>();
            for (var i = 0; i < count; i++)
            {
                relays.Add(await StartRelayAsync());
            }

            await DrainedAsync();
            var start = Stopwatch.GetTimestamp();
            await WriteBacklogAsync(tables, backlog, prefix);
            await DrainedAsync();
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            results[count].Add(backlog / elapsed);
            foreach (var relay in relays)
            {
                await relay.DisposeAsync();
            }
        }
    }

    Console.WriteLine($"relay throughput, backlog of {backlog:N0} events over 100 tables, NATS JetStream (median of {rounds}; all rounds):");
    foreach (var (count, values) in results)
    {
        Console.WriteLine($"  {count} relay(s): {Median(values):N0} events/s   [{string.Join(", ", values.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}]");
    }
}

// Commit throughput with the relay off and on, alternated. One relay process runs throughout, warm like a
// deployed one: "off" stops it (SIGSTOP), "on" resumes it and lets it drain the backlog first.
async Task CommitThroughputAsync()
{
    var off = new List<double>();
    var on = new List<double>();
    await using var relay = await StartRelayAsync();
    await RunClosedLoopAsync(TimeSpan.FromSeconds(30)); // warm-up of both hosts (tiered JIT), relay on
    await DrainedAsync();
    for (var r = 0; r < rounds; r++)
    {
        await relay.PauseAsync();
        off.Add(await RunClosedLoopAsync(TimeSpan.FromSeconds(seconds / 2), $"round {r + 1} relay off"));
        await relay.ResumeAsync();
        await DrainedAsync();
        on.Add(await RunClosedLoopAsync(TimeSpan.FromSeconds(seconds / 2), $"round {r + 1} relay on "));
        await DrainedAsync();
    }

    Console.WriteLine($"commit throughput, {writers} writers over 100 tables (median of {rounds}):");
    Console.WriteLine($"  relay off: {Median(off):N0} commits/s  [{string.Join(", ", off.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}]");
    Console.WriteLine($"  relay on:  {Median(on):N0} commits/s  [{string.Join(", ", on.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}]");
    var ratios = off.Zip(on, (a, b) => b / a).ToList();
    Console.WriteLine($"  on/off: {Median(ratios):P1} (per round: {string.Join(", ", ratios.Select(v => v.ToString("P1", CultureInfo.InvariantCulture)))})");
}

async Task<double> RunClosedLoopAsync(TimeSpan duration, string? label = null)
{
    var cpuBefore = CpuAccounting.Snapshot();
    var done = 0;
    var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var start = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
    {
        var n = 0;
        while (Stopwatch.GetTimestamp() < end)
        {
            if (await CommitAsync(http, $"t{(w * 7 + n++) % 100}", null))
            {
                Interlocked.Increment(ref done);
            }
        }
    }));
    var perSecond = done / Stopwatch.GetElapsedTime(start).TotalSeconds;
    if (label is not null)
    {
        Console.WriteLine($"  {label}: {perSecond:N0} commits/s; CPU ms per commit: {CpuAccounting.PerUnit(cpuBefore, CpuAccounting.Snapshot(), done)}");
    }

    return perSecond;
}

async Task<ServiceProcess> StartRelayAsync() => await ServiceProcess.StartAsync("events", FreePort.Next(), common);

async Task DrainedAsync()
{
    while (true)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM event_pending");
        if ((long)(await command.ExecuteScalarAsync())! == 0)
        {
            return;
        }

        await Task.Delay(20);
    }
}

async Task WriteBacklogAsync(Guid[] tables, int count, string warehouse)
{
    await using var connection = await dataSource.OpenConnectionAsync();
    await using var tx = await connection.BeginTransactionAsync();
    await using (var copy = await connection.BeginBinaryImportAsync(
        "COPY event_outbox (event_id, created_at, warehouse_id, event_type, object_type, object_id, object_name, name_key, request_id, event) FROM STDIN (FORMAT BINARY)"))
    {
        var source = ChangeEventFormat.Source("bench");
        var data = Encoding.UTF8.GetBytes("""{"requirements":[],"updates":[{"action":"set-properties","updates":{"k":"v"}}]}""");
        for (var i = 0; i < count; i++)
        {
            var table = tables[i % tables.Length];
            var change = new ChangeEvent(Guid.CreateVersion7(), DateTimeOffset.UtcNow, "updateTable", Guid.Parse(warehouse), ChangeObjectType.Table, table,
                ["b"], "x" + (i % tables.Length).ToString(CultureInfo.InvariantCulture), "backlog", ChangeActor.Anonymous, data);
            await copy.StartRowAsync();
            await copy.WriteAsync(change.Id, NpgsqlTypes.NpgsqlDbType.Uuid);
            await copy.WriteAsync(change.Time, NpgsqlTypes.NpgsqlDbType.TimestampTz);
            await copy.WriteAsync(change.WarehouseId, NpgsqlTypes.NpgsqlDbType.Uuid);
            await copy.WriteAsync(change.Type, NpgsqlTypes.NpgsqlDbType.Text);
            await copy.WriteAsync("table", NpgsqlTypes.NpgsqlDbType.Text);
            await copy.WriteAsync(table, NpgsqlTypes.NpgsqlDbType.Uuid);
            await copy.WriteAsync(change.FullName.ToArray(), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text);
            await copy.WriteAsync(change.FullName.ToArray(), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text);
            await copy.WriteAsync("backlog", NpgsqlTypes.NpgsqlDbType.Text);
            await copy.WriteAsync(Encoding.UTF8.GetString(ChangeEventFormat.Encode(ChangeEventFormat.ToCloudEvent(change, source)).Span), NpgsqlTypes.NpgsqlDbType.Text);
        }

        await copy.CompleteAsync();
    }

    // Queued for the relay as the catalog queues its events (the rows of this transaction).
    await using (var queue = new NpgsqlCommand(
        "INSERT INTO event_pending (seq, object_id, created_at) SELECT seq, object_id, created_at FROM event_outbox WHERE warehouse_id = $1 AND xid = pg_current_xact_id()", connection, tx)
        { Parameters = { new NpgsqlParameter { Value = Guid.Parse(warehouse) } } })
    {
        await queue.ExecuteNonQueryAsync();
    }

    await using (var notify = new NpgsqlCommand("SELECT pg_notify('lakekeeper_outbox', '')", connection, tx))
    {
        await notify.ExecuteNonQueryAsync();
    }

    await tx.CommitAsync();
}

async Task<bool> CommitAsync(HttpClient client, string table, string? requestId)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, $"/catalog/v1/{prefix}/namespaces/b/tables/{table}")
    {
        // A new value each time: a commit that changes nothing writes no metadata and no event.
        Content = Json("{\"requirements\":[],\"updates\":[{\"action\":\"set-properties\",\"updates\":{\"k\":\"" + Guid.NewGuid().ToString("N") + "\"}}]}"),
    };
    if (requestId is not null)
    {
        request.Headers.Add("X-Request-Id", requestId);
    }

    using var response = await client.SendAsync(request);
    if (response.StatusCode == System.Net.HttpStatusCode.Conflict)
    {
        Interlocked.Increment(ref conflicts);
        return false; // Lost to concurrent commits on this table more often than the server retries.
    }

    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"commit to {table}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    return true;
}

static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

static double P(List<double> sorted, double percentile) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100 * sorted.Count) - 1)];

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
