using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>An HTTP answer, read whole: status, body and headers.</summary>
internal sealed record Reply(int Status, string Body, HttpResponseHeaders Headers)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? ErrorType => Status >= 400 && Body.Length > 0 ? Json.GetProperty("error").GetProperty("type").GetString() : null;

    public string? ErrorMessage => Status >= 400 && Body.Length > 0 ? Json.GetProperty("error").GetProperty("message").GetString() : null;

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>What a test needs to know of a table's current metadata.</summary>
internal sealed record TableState(string MetadataLocation, JsonElement Metadata)
{
    public string Uuid => Metadata.GetProperty("table-uuid").GetString()!;

    public long? MainSnapshotId =>
        Metadata.TryGetProperty("refs", out var refs) && refs.TryGetProperty("main", out var main)
            ? main.GetProperty("snapshot-id").GetInt64()
            : null;

    public long LastSequenceNumber => Metadata.TryGetProperty("last-sequence-number", out var n) ? n.GetInt64() : 0;

    public int MetadataLogLength => Metadata.TryGetProperty("metadata-log", out var log) ? log.GetArrayLength() : 0;

    public IReadOnlyDictionary<long, (long? Parent, long Sequence)> Snapshots
    {
        get
        {
            var snapshots = new Dictionary<long, (long?, long)>();
            if (Metadata.TryGetProperty("snapshots", out var list))
            {
                foreach (var s in list.EnumerateArray())
                {
                    long? parent = s.TryGetProperty("parent-snapshot-id", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64() : null;
                    snapshots[s.GetProperty("snapshot-id").GetInt64()] = (parent, s.GetProperty("sequence-number").GetInt64());
                }
            }

            return snapshots;
        }
    }

    public IReadOnlyDictionary<string, string> Properties =>
        Metadata.TryGetProperty("properties", out var p)
            ? p.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>();

    /// <summary>
    /// The snapshots reachable from main, oldest first. Fails the test when a parent is missing or a
    /// sequence number does not grow along the chain.
    /// </summary>
    public IReadOnlyList<long> MainChain()
    {
        var snapshots = Snapshots;
        var chain = new List<long>();
        for (var id = MainSnapshotId; id is { } current; id = snapshots[current].Parent)
        {
            Assert.True(snapshots.ContainsKey(current), $"snapshot {current} is referenced but missing from {MetadataLocation}");
            Assert.DoesNotContain(current, chain);
            chain.Add(current);
        }

        chain.Reverse();
        for (var i = 1; i < chain.Count; i++)
        {
            Assert.True(snapshots[chain[i]].Sequence > snapshots[chain[i - 1]].Sequence,
                $"sequence numbers must grow along main: {chain[i - 1]}→{chain[i]} in {MetadataLocation}");
        }

        return chain;
    }
}

/// <summary>What a test needs to know of a view's current metadata.</summary>
internal sealed record ViewState(string MetadataLocation, JsonElement Metadata)
{
    public string Uuid => Metadata.GetProperty("view-uuid").GetString()!;

    public string Location => Metadata.GetProperty("location").GetString()!;

    public IReadOnlyDictionary<string, string> Properties =>
        Metadata.TryGetProperty("properties", out var p)
            ? p.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>();
}

/// <summary>
/// The catalog of one warehouse seen from a test: REST calls (with optional Idempotency-Key), the
/// warehouse folder, and the catalog's database.
/// </summary>
internal sealed class CommitsCatalog(HttpClient http, string prefix, string warehouseFolder, string connectionString)
{
    private static long _snapshotIds = DateTime.UtcNow.Ticks % 1_000_000_000L * 1000;

    public HttpClient Http => http;

    public string Prefix => prefix;

    public string WarehouseFolder => warehouseFolder;

    public string ConnectionString => connectionString;

    public static async Task<CommitsCatalog> ForAsync(StandaloneApp app, string warehouse = "demo")
    {
        var prefix = await app.CreateWarehouseAsync(warehouse);
        return new CommitsCatalog(app.Client, prefix, Path.Combine(app.WarehouseRoot, warehouse), app.ConnectionString);
    }

    /// <summary>Bootstraps (if needed) and creates a file warehouse at <paramref name="folder"/>; returns its prefix.</summary>
    public static async Task<string> CreateWarehouseAsync(HttpClient http, string name, string folder)
    {
        using (var bootstrap = await http.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true }))
        {
            Assert.True(bootstrap.IsSuccessStatusCode || (int)bootstrap.StatusCode == 409, "bootstrap: " + await bootstrap.Content.ReadAsStringAsync());
        }

        Directory.CreateDirectory(folder);
        using var response = await http.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = folder },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, "creating the warehouse: " + body);
        return JsonDocument.Parse(body).RootElement.GetProperty("warehouse-id").GetString()!;
    }

    /// <summary>A snapshot id no other test in this process uses.</summary>
    public static long NextSnapshotId() => Interlocked.Increment(ref _snapshotIds);

    public string Url(string relative) => $"/catalog/v1/{prefix}/{relative}";

    public string TableUrl(string ns, string table) => Url($"namespaces/{ns}/tables/{table}");

    public Task<Reply> SendAsync(HttpMethod method, string url, string? json = null, string? idempotencyKey = null) =>
        SendAsync(http, method, url, json, idempotencyKey);

    public static async Task<Reply> SendAsync(HttpClient client, HttpMethod method, string url, string? json = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        return new Reply((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers);
    }

    public Task<Reply> CreateNamespaceAsync(string ns, string? key = null) =>
        SendAsync(HttpMethod.Post, Url("namespaces"), JsonSerializer.Serialize(new { @namespace = new[] { ns } }), key);

    public static string CreateTableBody(string name, string? location = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = name,
            ["location"] = location,
            ["schema"] = new
            {
                type = "struct",
                fields = new object[]
                {
                    new { id = 1, name = "id", required = true, type = "long" },
                    new { id = 2, name = "data", required = false, type = "string" },
                },
            },
        });

    public Task<Reply> CreateTableAsync(string ns, string name, string? location = null, string? key = null) =>
        SendAsync(HttpMethod.Post, Url($"namespaces/{ns}/tables"), CreateTableBody(name, location), key);

    /// <summary>Creates a namespace (if missing) and a table; fails the test unless both work.</summary>
    public async Task<TableState> CreateTableOkAsync(string ns, string name, string? location = null)
    {
        var created = await CreateNamespaceAsync(ns);
        Assert.True(created.Status is 200 or 409, created.ToString());
        var table = await CreateTableAsync(ns, name, location);
        Assert.True(table.Status == 200, table.ToString());
        return await LoadOkAsync(ns, name);
    }

    public Task<Reply> LoadAsync(string ns, string name) => SendAsync(HttpMethod.Get, TableUrl(ns, name));

    public async Task<TableState> LoadOkAsync(string ns, string name)
    {
        var reply = await LoadAsync(ns, name);
        Assert.True(reply.Status == 200, $"load {ns}.{name}: {reply}");
        return new TableState(reply.Json.GetProperty("metadata-location").GetString()!, reply.Json.GetProperty("metadata").Clone());
    }

    public Task<Reply> CommitAsync(string ns, string name, string json, string? key = null) =>
        SendAsync(HttpMethod.Post, TableUrl(ns, name), json, key);

    public Task<Reply> DropTableAsync(string ns, string name, bool purge, string? key = null) =>
        SendAsync(HttpMethod.Delete, TableUrl(ns, name) + (purge ? "?purgeRequested=true" : "?purgeRequested=false"), null, key);

    public Task<Reply> TransactionAsync(string json, string? key = null) => SendAsync(HttpMethod.Post, Url("transactions/commit"), json, key);

    /// <summary>
    /// The requirements and updates of an append: a new snapshot on top of main, asserting main has
    /// not moved (what an engine sends).
    /// </summary>
    public static (string Requirements, string Updates) AppendParts(TableState state, long snapshotId)
    {
        var parent = state.MainSnapshotId;
        var snapshot = new Dictionary<string, object?>
        {
            ["snapshot-id"] = snapshotId,
            ["parent-snapshot-id"] = parent,
            ["sequence-number"] = state.LastSequenceNumber + 1,
            ["timestamp-ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["manifest-list"] = $"{state.Metadata.GetProperty("location").GetString()}/metadata/snap-{snapshotId.ToString(CultureInfo.InvariantCulture)}.avro",
            ["summary"] = new Dictionary<string, string> { ["operation"] = "append" },
            ["schema-id"] = 0,
        };
        if (parent is null)
        {
            snapshot.Remove("parent-snapshot-id");
        }

        var requirements = JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object?> { ["type"] = "assert-table-uuid", ["uuid"] = state.Uuid },
            new Dictionary<string, object?> { ["type"] = "assert-ref-snapshot-id", ["ref"] = "main", ["snapshot-id"] = parent },
        });
        var updates = JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object?> { ["action"] = "add-snapshot", ["snapshot"] = snapshot },
            new Dictionary<string, object?> { ["action"] = "set-snapshot-ref", ["ref-name"] = "main", ["type"] = "branch", ["snapshot-id"] = snapshotId },
        });
        return (requirements, updates);
    }

    public static string AppendBody(TableState state, long snapshotId)
    {
        var (requirements, updates) = AppendParts(state, snapshotId);
        return $$"""{"requirements":{{requirements}},"updates":{{updates}}}""";
    }

    /// <summary>set-properties with only the table UUID asserted: commutes with other such commits.</summary>
    public static string SetPropertiesBody(string uuid, IReadOnlyDictionary<string, string> properties) =>
        $$"""{"requirements":[{"type":"assert-table-uuid","uuid":"{{uuid}}"}],"updates":[{"action":"set-properties","updates":{{JsonSerializer.Serialize(properties)}}}]}""";

    public static string TransactionBody(params (string Ns, string Name, string Requirements, string Updates)[] changes) =>
        "{\"table-changes\":[" + string.Join(',', changes.Select(c =>
            $$"""{"identifier":{"namespace":["{{c.Ns}}"],"name":"{{c.Name}}"},"requirements":{{c.Requirements}},"updates":{{c.Updates}}}""")) + "]}";

    public string ViewUrl(string ns, string view) => Url($"namespaces/{ns}/views/{view}");

    public static string CreateViewBody(string name, string ns) => $$$"""
        {"name":"{{{name}}}","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"x","required":false,"type":"long"}]},
         "view-version":{"version-id":1,"timestamp-ms":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"schema-id":0,"summary":{},
           "representations":[{"type":"sql","sql":"select 1 as x","dialect":"spark"}],"default-namespace":["{{{ns}}}"]},"properties":{}}
        """;

    public Task<Reply> CreateViewAsync(string ns, string name, string? key = null) =>
        SendAsync(HttpMethod.Post, Url($"namespaces/{ns}/views"), CreateViewBody(name, ns), key);

    /// <summary>Creates a namespace (if missing) and a view; fails the test unless both work.</summary>
    public async Task<ViewState> CreateViewOkAsync(string ns, string name)
    {
        var created = await CreateNamespaceAsync(ns);
        Assert.True(created.Status is 200 or 409, created.ToString());
        var view = await CreateViewAsync(ns, name);
        Assert.True(view.Status == 200, view.ToString());
        return await LoadViewOkAsync(ns, name);
    }

    public async Task<ViewState> LoadViewOkAsync(string ns, string name)
    {
        var reply = await SendAsync(HttpMethod.Get, ViewUrl(ns, name));
        Assert.True(reply.Status == 200, $"load view {ns}.{name}: {reply}");
        return new ViewState(reply.Json.GetProperty("metadata-location").GetString()!, reply.Json.GetProperty("metadata").Clone());
    }

    public Task<Reply> ReplaceViewAsync(string ns, string name, string json, string? key = null) =>
        SendAsync(HttpMethod.Post, ViewUrl(ns, name), json, key);

    /// <summary>replaceView with set-properties and only the view UUID asserted: commutes with other such commits.</summary>
    public static string SetViewPropertiesBody(string uuid, IReadOnlyDictionary<string, string> properties) =>
        $$"""{"requirements":[{"type":"assert-view-uuid","uuid":"{{uuid}}"}],"updates":[{"action":"set-properties","updates":{{JsonSerializer.Serialize(properties)}}}]}""";

    /// <summary>Every metadata file in the warehouse folder (or below <paramref name="under"/>).</summary>
    public IReadOnlyList<string> MetadataFiles(string? under = null)
    {
        var root = under ?? warehouseFolder;
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*.metadata.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>The folder of a <c>file://</c> location.</summary>
    public static string PathOf(string location) => new Uri(location).LocalPath;

    public Task<NpgsqlConnection> OpenDatabaseAsync() => OpenAsync(connectionString);

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "lakekeeper-test" }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<long> CountAsync(string sql, params object?[] parameters)
    {
        await using var connection = await OpenDatabaseAsync();
        await using var command = Command(connection, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Outbox events of this warehouse's tables, oldest first, as (type, tabular id).</summary>
    public async Task<IReadOnlyList<(string Type, Guid? Tabular)>> OutboxAsync()
    {
        await using var connection = await OpenDatabaseAsync();
        await using var command = Command(connection, "SELECT event_type, CASE WHEN object_type = 'namespace' THEN NULL ELSE object_id END FROM event_outbox WHERE warehouse_id = $1::uuid ORDER BY seq", prefix);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<(string, Guid?)>();
        while (await reader.ReadAsync())
        {
            list.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1)));
        }

        return list;
    }

    /// <summary>How many of the catalog's connections wait for a lock right now.</summary>
    public Task<long> LockWaitersAsync() =>
        CountAsync("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'lakekeeper'");

    /// <summary>Waits (with a deadline) until at least <paramref name="count"/> catalog connections wait for a lock.</summary>
    public Task WaitForLockWaitersAsync(long count) =>
        Eventually.TrueAsync(async () => await LockWaitersAsync() >= count, TimeSpan.FromSeconds(30), $"{count} catalog connection(s) waiting for a lock");

    /// <summary>Holds <c>FOR UPDATE</c> on a table's row until disposed (rolled back).</summary>
    public Task<RowLock> LockTableRowAsync(string tableUuid) => RowLock.TakeAsync(connectionString, tableUuid);

    /// <summary>
    /// Runs the commits so that they all plan on one base: the row is locked while they write their
    /// files and queue on it (<paramref name="whileQueued"/> runs then), and released. Their answers, in order.
    /// </summary>
    public async Task<Reply[]> QueuedOnOneRowAsync(string uuid, Func<Task<Reply>>[] commits, Action? whileQueued = null)
    {
        Task<Reply>[] running;
        await using (await LockTableRowAsync(uuid))
        {
            running = [.. commits.Select(Task.Run)];
            await WaitForLockWaitersAsync(commits.Length);
            whileQueued?.Invoke();
        }

        return await Task.WhenAll(running);
    }

    internal static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }
}

/// <summary>A row lock on a <c>tabular</c> row held by the test from its own connection.</summary>
internal sealed class RowLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private RowLock(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<RowLock> TakeAsync(string connectionString, string tableUuid)
    {
        var connection = await CommitsCatalog.OpenAsync(connectionString);
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = CommitsCatalog.Command(connection, "SELECT count(*) FROM (SELECT 1 FROM tabular WHERE tabular_id = $1::uuid FOR UPDATE) AS locked", tableUuid))
        {
            command.Transaction = transaction;
            Assert.Equal(1L, Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
        }

        return new RowLock(connection, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.State == System.Data.ConnectionState.Open)
        {
            await _transaction.RollbackAsync();
        }

        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
