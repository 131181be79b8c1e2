using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// Issue 14: a property-based fuzz suite (CsCheck) that throws generated hostile requests — bodies
/// (malformed UTF-8, lone surrogate escapes, duplicate keys, truncation, wrong types, junk), path
/// segments, query strings and headers — at every endpoint of a whole deployment, and asserts: no
/// 5xx, every error in the <c>{"error":{message,type,code}}</c> shape, no mutation accepted, and
/// nothing changed (the catalog's state is the same before and after).
/// </summary>
/// <remarks>
/// CI sends <see cref="DefaultRequests"/> requests per topology; <c>LAKEKEEPER_FUZZ_REQUESTS=10000</c>
/// is the benchmark mode recorded in docs/benchmarks.md. A failure prints the request (CsCheck
/// shrinks it first) and its seed.
/// </remarks>
public abstract class FuzzTests<TTopology>(TTopology topology) : IClassFixture<TTopology>
    where TTopology : Topology
{
    public const int DefaultRequests = 2000;

    private static readonly string[] Names = ["fuzz_ns", "t", "v"];

    [Fact]
    public async Task Generated_hostile_requests_get_no_5xx_and_change_nothing()
    {
        var client = topology.Client;
        var prefix = await PrefixAsync(client);
        await ArrangeAsync(client, prefix);
        var before = await SnapshotAsync(client, prefix);

        var requests = int.TryParse(Environment.GetEnvironmentVariable("LAKEKEEPER_FUZZ_REQUESTS"), out var n) && n > 0 ? n : DefaultRequests;
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        await Requests(prefix).SampleAsync(async request =>
        {
            var (status, body, contentType) = await SendAsync(client, request);
            statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
            Check(request, status, body, contentType);
        }, iter: requests, threads: 4);
        clock.Stop();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{typeof(TTopology).Name}: {requests} requests in {clock.Elapsed.TotalSeconds:F1} s; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.DoesNotContain(statuses.Keys, s => s >= 500);
        Assert.Equal(before, await SnapshotAsync(client, prefix));
    }

    /// <summary>One generated request.</summary>
    public sealed record FuzzRequest(string Method, string Target, byte[]? Body, IReadOnlyList<(string Name, string Value)> Headers, bool DropAuthorization)
    {
        public override string ToString() =>
            $"{Method} {Target} headers [{string.Join("; ", Headers.Select(h => h.Name + ": " + h.Value))}]{(DropAuthorization ? " (no token)" : string.Empty)} body {(Body is null ? "none" : Convert.ToHexString(Body.AsSpan(0, Math.Min(Body.Length, 200))))}";
    }

    private static void Check(FuzzRequest request, int status, string body, string? contentType)
    {
        Assert.True(status < 500, $"{status} for {request}: {body}");
        if (request.Method is not ("GET" or "HEAD"))
        {
            // Every generated mutation is malformed or aimed at nothing: none may be accepted.
            Assert.True(status >= 400, $"a hostile mutation was accepted ({status}): {request}: {body}");
        }

        if (status >= 400 && request.Method != "HEAD")
        {
            Assert.True(contentType == "application/json", $"{status} without the JSON error body for {request}: {contentType} {body}");
            using var json = JsonDocument.Parse(body);
            var error = json.RootElement.GetProperty("error");
            Assert.Equal(status, error.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()), body);
            Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()), body);
        }
    }

    private static async Task<(int Status, string Body, string? ContentType)> SendAsync(HttpClient client, FuzzRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(client.BaseAddress!, request.Target));
        if (request.Body is { } bytes)
        {
            message.Content = new ByteArrayContent(bytes);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (request.DropAuthorization)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        }

        foreach (var (name, value) in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await client.SendAsync(message, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, text, response.Content.Headers.ContentType?.MediaType);
    }

    // ---- generators ----

    private static readonly (string Method, string Template, string? Body)[] Endpoints =
    [
        ("GET", "/catalog/v1/config?warehouse=demo", null),
        ("GET", "/catalog/v1/{p}/namespaces", null),
        ("POST", "/catalog/v1/{p}/namespaces", """{"namespace":["fuzz_new"],"properties":{"owner":"fuzz"}}"""),
        ("GET", "/catalog/v1/{p}/namespaces/{ns}", null),
        ("HEAD", "/catalog/v1/{p}/namespaces/{ns}", null),
        ("DELETE", "/catalog/v1/{p}/namespaces/{x}", null),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/properties", """{"removals":["a"],"updates":{"b":"c"}}"""),
        ("GET", "/catalog/v1/{p}/namespaces/{ns}/tables", null),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/tables", """{"name":"fuzz_new","schema":{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"long"}]},"properties":{"k":"v"}}"""),
        ("GET", "/catalog/v1/{p}/namespaces/{ns}/tables/{t}", null),
        ("HEAD", "/catalog/v1/{p}/namespaces/{ns}/tables/{t}", null),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/tables/{t}", """{"requirements":[{"type":"assert-current-schema-id","current-schema-id":0}],"updates":[{"action":"set-properties","updates":{"k":"v"}}]}"""),
        ("DELETE", "/catalog/v1/{p}/namespaces/{ns}/tables/{x}", null),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/tables/{t}/metrics", """{"report-type":"scan-report","table-name":"t","snapshot-id":1,"filter":{"type":"true"},"schema-id":0,"projected-field-ids":[],"projected-field-names":[],"metrics":{}}"""),
        ("GET", "/catalog/v1/{p}/namespaces/{ns}/tables/{t}/credentials", null),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/register", """{"name":"fuzz_reg","metadata-location":"file:///etc/passwd"}"""),
        ("POST", "/catalog/v1/{p}/tables/rename", """{"source":{"namespace":["fuzz_ns"],"name":"t"},"destination":{"namespace":["fuzz_ns"],"name":"t2"}}"""),
        ("GET", "/catalog/v1/{p}/namespaces/{ns}/views", null),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/views", """{"name":"fuzz_v","schema":{"type":"struct","fields":[]},"view-version":{"version-id":1,"schema-id":0,"timestamp-ms":1,"summary":{},"representations":[{"type":"sql","sql":"select 1","dialect":"spark"}],"default-namespace":["fuzz_ns"]},"properties":{}}"""),
        ("GET", "/catalog/v1/{p}/namespaces/{ns}/views/{v}", null),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/views/{v}", """{"updates":[{"action":"set-properties","updates":{"k":"v"}}]}"""),
        ("POST", "/catalog/v1/{p}/views/rename", """{"source":{"namespace":["fuzz_ns"],"name":"v"},"destination":{"namespace":["fuzz_ns"],"name":"v2"}}"""),
        ("POST", "/catalog/v1/{p}/transactions/commit", """{"table-changes":[{"identifier":{"namespace":["fuzz_ns"],"name":"t"},"requirements":[],"updates":[{"action":"set-properties","updates":{"k":"v"}}]}]}"""),
        ("GET", "/management/v1/info", null),
        ("GET", "/management/v1/whoami", null),
        ("GET", "/management/v1/project-list", null),
        ("POST", "/management/v1/project", """{"project-name":"fuzz-project"}"""),
        ("POST", "/management/v1/bootstrap", """{"accept-terms-of-use":true}"""),
        ("GET", "/management/v1/warehouse", null),
        ("POST", "/management/v1/warehouse", """{"warehouse-name":"fuzz-wh","storage-profile":{"type":"s3","bucket":"b","region":"us-east-1","endpoint":"http://169.254.169.254"},"storage-credential":{"type":"s3","credential-type":"access-key","access-key-id":"A","secret-access-key":"B"}}"""),
        ("DELETE", "/management/v1/warehouse/{guid}", null),
        ("POST", "/management/v1/role", """{"name":"fuzz-role","description":"d"}"""),
        ("POST", "/management/v1/search/user", """{"search":"fuzz"}"""),
        ("POST", "/catalog/v1/{p}/namespaces/{ns}/tables/{t}/sign", """{"region":"us-east-1","uri":"https://b.s3.amazonaws.com/k","method":"GET","headers":{}}"""),
    ];

    /// <summary>Path segments: the real names (reads only) or hostile ones that match nothing.</summary>
    private static readonly Gen<string> HostileSegment = Gen.OneOf(
        Gen.OneOf("%00", "%FF", "%ED%A0%80", "%C3%28", "..", "%2e%2e", "%2F", "a%1Fb", "a%1F", "%1F", "+", "%20", "%E2%80%8B", "%E2%80%AE", "x%00y",
            "%25", "%25%25", "%", "%zz", "~", "%E2%81%A6fuzz", "fuzz%CC%81", "NUL", "con", "%7B%7D", "%22", "'", "%5C", "%3C%3E", "..%2F..%2Fetc"),
        Gen.String[Gen.Char['a', 'z'], 1, 12].Select(s => "nx_" + s),
        Gen.Int[300, 9000].Select(n => new string('n', n)),
        Gen.Byte.Array[1, 12].Select(b => string.Concat(b.Select(x => "%" + x.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)))));

    private static readonly Gen<string> ReadSegment = Gen.Frequency((3, Gen.OneOf(Names)), (2, HostileSegment));

    private static readonly Gen<string> QueryValue = Gen.OneOf(
        Gen.OneOf(string.Empty, "0", "-1", "1", "1.5", "99999999999999999999", "abc", "!!!", "%00", "%FF", "true", "ALL", "refs", "demo", "fuzz_ns", "fuzz_ns%1Ft", "eyJ0Ijoi", "a.b"),
        HostileSegment);

    private static readonly Gen<string> Query = Gen.Select(
            Gen.OneOf("pageToken", "pageSize", "parent", "snapshots", "purgeRequested", "warehouse", "x", "pageToken", "dataAccess").Array[0, 4],
            QueryValue.Array[4])
        .Select((names, values) => names.Length == 0 ? string.Empty : "?" + string.Join("&", names.Select((k, i) => k + "=" + values[i])));

    private static readonly Gen<(string, string)> Header = Gen.Select(
        Gen.OneOf("X-Iceberg-Access-Delegation", "Idempotency-Key", "If-None-Match", "x-project-id", "Accept", "X-Forwarded-Prefix", "X-Forwarded-Host", "Via", "X-Request-Id", "Content-Encoding", "Transfer-Encoding-X"),
        Gen.OneOf(
            Gen.OneOf(string.Empty, "vended-credentials", "remote-signing,client-managed", "\"etag\"", "*", "W/\"x\"", "gzip", "00000000-0000-0000-0000-000000000000", "not-a-uuid", "1.1 gateway", "../../x"),
            Gen.String[Gen.Char[' ', '~'], 0, 300]),
        (name, value) => (name, value));

    private static Gen<byte[]?> Body(string? template) => template is null
        ? Gen.Frequency((4, Gen.Const<byte[]?>((byte[]?)null)), (1, Gen.OneOf<byte[]?>("{}"u8.ToArray(), "{\"a\":1,\"a\":2}"u8.ToArray(), [0xFF, 0xFE])))
        : Gen.OneOf(
            // Truncated: never a whole document.
            Gen.Int[0, template.Length - 1].Select(n => (byte[]?)Encoding.UTF8.GetBytes(template[..n])),
            // Invalid UTF-8 inside the first string value.
            Gen.OneOf<byte[]>([0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF]).Select(bad => (byte[]?)Splice(template, bad)),
            // A lone surrogate escape inside the first string value.
            Gen.OneOf("\\ud800", "\\udfff", "a\\udbff", "\\ud83d x").Select(s => (byte[]?)Splice(template, Encoding.ASCII.GetBytes(s))),
            // The first key twice.
            Gen.Const<byte[]?>(Encoding.UTF8.GetBytes(DuplicateFirstKey(template))),
            // Not an object, or junk.
            Gen.OneOf("null", "[]", "\"s\"", "42", "{", "}", "{\"a\":}", "{'a':1}", "{/*c*/}", "{\"a\":1,}")
                .Select(s => (byte[]?)Encoding.UTF8.GetBytes(s)),
            Gen.Byte.Array[0, 64].Select(b => (byte[]?)b),
            Gen.Int[100, 3000].Select(depth => (byte[]?)Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth))));

    private static Gen<FuzzRequest> Requests(string prefix) =>
        Gen.Int[0, Endpoints.Length - 1].SelectMany(index =>
        {
            var (method, template, body) = Endpoints[index];
            var mutating = method is not ("GET" or "HEAD");
            var segment = mutating ? HostileSegment : ReadSegment;
            return Gen.Select(segment, segment, segment, Query, Header.Array[0, 3], Body(body), Gen.Int[0, 19])
                .Select((ns, t, x, query, headers, payload, roll) =>
                {
                    var path = template.Replace("{p}", prefix, StringComparison.Ordinal)
                        .Replace("{ns}", mutating && body is not null ? "fuzz_ns" : ns, StringComparison.Ordinal)
                        .Replace("{t}", mutating && body is not null ? "t" : t, StringComparison.Ordinal)
                        .Replace("{v}", mutating && body is not null ? "v" : t, StringComparison.Ordinal)
                        .Replace("{x}", x, StringComparison.Ordinal)
                        .Replace("{guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
                    var target = path.Contains('?', StringComparison.Ordinal) ? path + query.Replace('?', '&') : path + query;
                    // A mutation with a body always gets a malformed one; without a template, a read may carry junk.
                    return new FuzzRequest(method, target, mutating && body is null ? null : payload, headers, DropAuthorization: roll == 0);
                });
        });

    private static byte[] Splice(string template, byte[] inside)
    {
        // Into the first string value (after `":"`), so the bytes land where a parser reads text.
        var at = template.IndexOf(":\"", StringComparison.Ordinal);
        at = at < 0 ? template.IndexOf('"', StringComparison.Ordinal) + 1 : at + 2;
        var head = Encoding.UTF8.GetBytes(template[..at]);
        var tail = Encoding.UTF8.GetBytes(template[at..]);
        return [.. head, .. inside, .. tail];
    }

    private static string DuplicateFirstKey(string template)
    {
        var end = template.IndexOf("\":", StringComparison.Ordinal);
        var key = template[1..(end + 1)];
        return "{" + key + ":0," + template[1..];
    }

    // ---- the deployment's state ----

    private static async Task<string> PrefixAsync(HttpClient client)
    {
        using var config = JsonDocument.Parse(await client.GetStringAsync("/catalog/v1/config?warehouse=demo", TestContext.Current.CancellationToken));
        return config.RootElement.GetProperty("overrides").TryGetProperty("prefix", out var prefix)
            ? prefix.GetString()!
            : config.RootElement.GetProperty("defaults").GetProperty("prefix").GetString()!;
    }

    private static async Task ArrangeAsync(HttpClient client, string prefix)
    {
        var ct = TestContext.Current.CancellationToken;
        if ((await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/catalog/v1/{prefix}/namespaces/fuzz_ns"), ct)).IsSuccessStatusCode)
        {
            return;
        }

        await PostAsync(client, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["fuzz_ns"]}""");
        await PostAsync(client, $"/catalog/v1/{prefix}/namespaces/fuzz_ns/tables",
            """{"name":"t","schema":{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"long"}]}}""");
        await PostAsync(client, $"/catalog/v1/{prefix}/namespaces/fuzz_ns/views",
            """{"name":"v","schema":{"type":"struct","fields":[{"id":1,"name":"x","required":true,"type":"int"}]},"view-version":{"version-id":1,"schema-id":0,"timestamp-ms":1700000000000,"summary":{"engine-name":"trino"},"representations":[{"type":"sql","sql":"select 1 as x","dialect":"trino"}],"default-namespace":["fuzz_ns"]},"properties":{}}""");
    }

    private static async Task PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
    }

    private async Task<string> SnapshotAsync(HttpClient client, string prefix)
    {
        var ct = TestContext.Current.CancellationToken;
        var state = new StringBuilder();
        foreach (var path in new[]
        {
            $"/catalog/v1/{prefix}/namespaces",
            $"/catalog/v1/{prefix}/namespaces/fuzz_ns",
            $"/catalog/v1/{prefix}/namespaces/fuzz_ns/tables",
            $"/catalog/v1/{prefix}/namespaces/fuzz_ns/views",
            "/management/v1/warehouse",
            "/management/v1/project-list",
        })
        {
            state.Append(path).Append(" => ").AppendLine(await client.GetStringAsync(path, ct));
        }

        using (var table = JsonDocument.Parse(await client.GetStringAsync($"/catalog/v1/{prefix}/namespaces/fuzz_ns/tables/t", ct)))
        {
            state.AppendLine(table.RootElement.GetProperty("metadata-location").GetString());
        }

        using (var view = JsonDocument.Parse(await client.GetStringAsync($"/catalog/v1/{prefix}/namespaces/fuzz_ns/views/v", ct)))
        {
            state.AppendLine(view.RootElement.GetProperty("metadata-location").GetString());
        }

        state.AppendLine(string.Join(",", Directory.GetFileSystemEntries(topology.WarehouseRoot, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)));
        return state.ToString();
    }
}

public sealed class StandaloneFuzzTests(StandaloneTopology topology) : FuzzTests<StandaloneTopology>(topology);

public sealed class MicroservicesFuzzTests(MicroservicesTopology topology) : FuzzTests<MicroservicesTopology>(topology);
