using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>A finished HTTP exchange: status, body and headers (the response is already disposed).</summary>
public sealed record HttpReply(int Status, byte[] BodyBytes, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders)
{
    public string Body => Encoding.UTF8.GetString(BodyBytes);

    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(BodyBytes);
            return document.RootElement.Clone();
        }
    }

    public string? ETag => Headers.ETag?.ToString();

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// Raw HTTP against the catalog API: builds paths (namespace levels joined by <c>%1F</c>), sends
/// requests and reads the whole reply. Domain helpers assert their own success, so a test's
/// arrangement failing says so instead of failing later in a confusing way.
/// </summary>
public sealed class CatalogHttp(HttpClient client, string prefix, string warehouseFolder)
{
    public const string SimpleSchema =
        """{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"},{"id":2,"name":"data","required":false,"type":"string"}]}""";

    public HttpClient Client => client;

    public string Prefix => prefix;

    /// <summary>The warehouse folder on disk (its location is <c>file://</c> + this path).</summary>
    public string WarehouseFolder => warehouseFolder;

    public string WarehouseLocation => "file://" + warehouseFolder;

    /// <summary>The <c>{namespace}</c> path segment: levels percent-encoded and joined by <c>%1F</c>.</summary>
    public static string Ns(params string[] levels) => string.Join("%1F", levels.Select(Uri.EscapeDataString));

    /// <summary>A JSON string literal.</summary>
    public static string Str(string value) => JsonSerializer.Serialize(value);

    /// <summary>A JSON array of strings.</summary>
    public static string Arr(params string[] values) => JsonSerializer.Serialize(values);

    public string Url(string rest) => $"/catalog/v1/{prefix}/{rest}";

    public string NamespaceUrl(params string[] levels) => Url("namespaces/" + Ns(levels));

    public string TableUrl(string[] ns, string name) => Url($"namespaces/{Ns(ns)}/tables/{Uri.EscapeDataString(name)}");

    public string ViewUrl(string[] ns, string name) => Url($"namespaces/{Ns(ns)}/views/{Uri.EscapeDataString(name)}");

    public Task<HttpReply> GetAsync(string path, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Get, path, null, headers);

    public Task<HttpReply> HeadAsync(string path) => SendAsync(HttpMethod.Head, path);

    public Task<HttpReply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<HttpReply> PostAsync(string path, string? json, params (string Name, string Value)[] headers) => SendAsync(HttpMethod.Post, path, json, headers);

    public async Task<HttpReply> SendAsync(HttpMethod method, string path, string? json = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(request);
    }

    public async Task<HttpReply> SendAsync(HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        return new HttpReply((int)response.StatusCode, body, response.Headers, response.Content.Headers);
    }

    // ---- Namespaces -------------------------------------------------------------------------

    public async Task<HttpReply> CreateNamespaceAsync(string[] levels, string? propertiesJson = null)
    {
        var reply = await PostAsync(Url("namespaces"),
            $$"""{"namespace":{{Arr(levels)}}{{(propertiesJson is null ? string.Empty : ",\"properties\":" + propertiesJson)}}}""");
        Assert.True(reply.Status == 200, $"creating namespace {string.Join('.', levels)}: {reply}");
        return reply;
    }

    public Task<HttpReply> CreateNamespaceAsync(string name) => CreateNamespaceAsync([name]);

    /// <summary>The namespaces listed under <paramref name="parent"/> (top level when null), each as its levels joined by '.'.</summary>
    public async Task<List<string>> ListNamespacesAsync(string[]? parent = null)
    {
        var reply = await GetAsync(Url("namespaces") + (parent is null ? string.Empty : "?parent=" + Ns(parent)));
        Assert.True(reply.Status == 200, reply.ToString());
        return [.. reply.Json.GetProperty("namespaces").EnumerateArray().Select(n => string.Join('.', n.EnumerateArray().Select(l => l.GetString())))];
    }

    // ---- Tables ---------------------------------------------------------------------------

    public static string CreateTableBody(string name, string? schema = null, string? extra = null) =>
        $$"""{"name":{{Str(name)}},"schema":{{schema ?? SimpleSchema}}{{(extra is null ? string.Empty : "," + extra)}}}""";

    public Task<HttpReply> TryCreateTableAsync(string[] ns, string name, string? schema = null, string? extra = null) =>
        PostAsync(Url($"namespaces/{Ns(ns)}/tables"), CreateTableBody(name, schema, extra));

    /// <summary>Creates a table and returns the <c>LoadTableResult</c>.</summary>
    public async Task<JsonElement> CreateTableAsync(string[] ns, string name, string? schema = null, string? extra = null)
    {
        var reply = await TryCreateTableAsync(ns, name, schema, extra);
        Assert.True(reply.Status == 200, $"creating table {name}: {reply}");
        return reply.Json;
    }

    public async Task<JsonElement> LoadTableAsync(string[] ns, string name)
    {
        var reply = await GetAsync(TableUrl(ns, name));
        Assert.True(reply.Status == 200, $"loading table {name}: {reply}");
        return reply.Json;
    }

    public Task<HttpReply> CommitTableAsync(string[] ns, string name, string requirements, string updates) =>
        PostAsync(TableUrl(ns, name), $$"""{"requirements":{{requirements}},"updates":{{updates}}}""");

    /// <summary>A snapshot JSON object (an append of nothing: only the catalog reads it).</summary>
    public static string Snapshot(long id, long? parent, long sequence, string tableLocation)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var parentJson = parent is { } p ? $"\"parent-snapshot-id\":{p}," : string.Empty;
        return $$"""{"snapshot-id":{{id}},{{parentJson}}"sequence-number":{{sequence}},"timestamp-ms":{{timestamp}},"manifest-list":{{Str($"{tableLocation}/metadata/snap-{id}.avro")}},"summary":{"operation":"append"},"schema-id":0}""";
    }

    /// <summary>Adds a snapshot and points <c>main</c> at it, as a Java append does; returns the commit response.</summary>
    public async Task<JsonElement> AppendAsync(string[] ns, string name, long id, long? parent, long sequence)
    {
        var location = (await LoadTableAsync(ns, name)).GetProperty("metadata").GetProperty("location").GetString()!;
        var parentJson = parent is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";
        var reply = await CommitTableAsync(ns, name,
            $$"""[{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":{{parentJson}}}]""",
            $$"""[{"action":"add-snapshot","snapshot":{{Snapshot(id, parent, sequence, location)}}},{"action":"set-snapshot-ref","ref-name":"main","type":"branch","snapshot-id":{{id}}}]""");
        Assert.True(reply.Status == 200, $"appending snapshot {id}: {reply}");
        return reply.Json;
    }

    /// <summary>The table names listed in a namespace.</summary>
    public async Task<List<string>> ListTablesAsync(string[] ns) => await ListIdentifiersAsync(Url($"namespaces/{Ns(ns)}/tables"));

    public async Task<List<string>> ListViewsAsync(string[] ns) => await ListIdentifiersAsync(Url($"namespaces/{Ns(ns)}/views"));

    // ---- Views ----------------------------------------------------------------------------

    public static string ViewSchema(int schemaId = 5) =>
        $$"""{"type":"struct","schema-id":{{schemaId}},"fields":[{"id":1,"name":"x","required":false,"type":"long"}]}""";

    public static string ViewVersion(int versionId, int schemaId, string[] ns, string sql = "select 1 as x", string dialect = "trino", string? extraRepresentations = null) =>
        $$"""
        {"version-id":{{versionId}},"schema-id":{{schemaId}},"timestamp-ms":1700000000000,"summary":{"engine-name":"trino","engine-version":"450"},
         "representations":[{"type":"sql","sql":{{Str(sql)}},"dialect":{{Str(dialect)}}}{{(extraRepresentations is null ? string.Empty : "," + extraRepresentations)}}],
         "default-namespace":{{Arr(ns)}}}
        """;

    public static string CreateViewBody(string[] ns, string name, string? version = null, string? extra = null) =>
        $$"""{"name":{{Str(name)}},"schema":{{ViewSchema()}},"view-version":{{version ?? ViewVersion(1, 5, ns)}},"properties":{}{{(extra is null ? string.Empty : "," + extra)}}}""";

    public Task<HttpReply> TryCreateViewAsync(string[] ns, string name, string? version = null, string? extra = null) =>
        PostAsync(Url($"namespaces/{Ns(ns)}/views"), CreateViewBody(ns, name, version, extra));

    public async Task<JsonElement> CreateViewAsync(string[] ns, string name, string? version = null, string? extra = null)
    {
        var reply = await TryCreateViewAsync(ns, name, version, extra);
        Assert.True(reply.Status == 200, $"creating view {name}: {reply}");
        return reply.Json;
    }

    public async Task<JsonElement> LoadViewAsync(string[] ns, string name)
    {
        var reply = await GetAsync(ViewUrl(ns, name));
        Assert.True(reply.Status == 200, $"loading view {name}: {reply}");
        return reply.Json;
    }

    // ---- Rename -----------------------------------------------------------------------------

    public static string RenameBody(string[] sourceNs, string source, string[] destinationNs, string destination) =>
        JsonSerializer.Serialize(new
        {
            source = new { @namespace = sourceNs, name = source },
            destination = new { @namespace = destinationNs, name = destination },
        });

    public Task<HttpReply> RenameTableAsync(string[] sourceNs, string source, string[] destinationNs, string destination) =>
        PostAsync(Url("tables/rename"), RenameBody(sourceNs, source, destinationNs, destination));

    public Task<HttpReply> RenameViewAsync(string[] sourceNs, string source, string[] destinationNs, string destination) =>
        PostAsync(Url("views/rename"), RenameBody(sourceNs, source, destinationNs, destination));

    // ---- Files ------------------------------------------------------------------------------

    /// <summary>The local path of a <c>file://</c> location.</summary>
    public static string LocalPath(string location)
    {
        Assert.StartsWith("file://", location, StringComparison.Ordinal);
        return location["file://".Length..];
    }

    /// <summary>Every metadata file under the warehouse (tables and views), as full paths.</summary>
    public string[] MetadataFilesInWarehouse() =>
        Directory.Exists(warehouseFolder)
            ? Directory.GetFiles(warehouseFolder, "*.metadata.json", SearchOption.AllDirectories)
            : [];

    /// <summary>Every file under the warehouse, as full paths.</summary>
    public string[] FilesInWarehouse() =>
        Directory.Exists(warehouseFolder) ? Directory.GetFiles(warehouseFolder, "*", SearchOption.AllDirectories) : [];

    private async Task<List<string>> ListIdentifiersAsync(string url)
    {
        var reply = await GetAsync(url);
        Assert.True(reply.Status == 200, reply.ToString());
        return [.. reply.Json.GetProperty("identifiers").EnumerateArray().Select(i => i.GetProperty("name").GetString()!)];
    }
}
