using System.Net.Sockets;
using System.Text;
using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Catalog.Tests;

/// <summary>An app with small limits, so that the tests reach them with small requests.</summary>
public sealed class SmallLimitsAppFixture : CatalogAppFixture
{
    public const int Body = 65536;

    public const int MaxString = 8192;

    protected override IReadOnlyDictionary<string, string?> Overrides() => new Dictionary<string, string?>
    {
        ["Server:MaxRequestBodyBytes"] = Body.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Server:RequestBodyBudgetBytes"] = Body.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Server:RequestBodyWaitMilliseconds"] = "0",
        ["Server:MaxJsonStringBytes"] = MaxString.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Catalog:MaxPropertyValueBytes"] = "4096",
        ["Catalog:MaxPropertiesBytes"] = "16384",
        ["Catalog:MaxMetadataBytes"] = "12000",
        ["Catalog:MaxMetricsReportBytes"] = "2048",
        ["Catalog:MetricsReportsPerTable"] = "3",
    };
}

/// <summary>
/// Issue 14, defect 3: bodies were buffered without a process-wide bound; a 20 MiB property was
/// accepted and then rewritten into every later metadata file; metrics reports were unbounded in
/// size and number. Each limit answers 400 naming its setting (the budget: 503 with Retry-After).
/// </summary>
public sealed class LimitsTests(SmallLimitsAppFixture fixture) : IClassFixture<SmallLimitsAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Property_limits_are_400_naming_the_setting_and_change_nothing()
    {
        string[] ns = ["lim_props"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var before = (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString();
        var big = new string('v', 5000);
        var quarter = new string('q', 4000);

        ErrorAssert.Contains(await _http.PostAsync(_http.Url("namespaces"), $$$"""{"namespace":["lim_big"],"properties":{"k":"{{{big}}}"}}"""),
            400, "BadRequestException", "LAKEKEEPER__CATALOG__MAXPROPERTYVALUEBYTES");
        ErrorAssert.Contains(await _http.PostAsync(_http.NamespaceUrl(ns) + "/properties", $$$"""{"updates":{"a":"{{{quarter}}}","b":"{{{quarter}}}","c":"{{{quarter}}}","d":"{{{quarter}}}","e":"{{{quarter}}}"}}"""),
            400, "BadRequestException", "LAKEKEEPER__CATALOG__MAXPROPERTIESBYTES");
        ErrorAssert.Contains(await _http.CommitTableAsync(ns, "t", "[]", $$$"""[{"action":"set-properties","updates":{"k":"{{{big}}}"}}]"""),
            400, "BadRequestException", "LAKEKEEPER__CATALOG__MAXPROPERTYVALUEBYTES");
        ErrorAssert.Contains(await _http.TryCreateTableAsync(ns, "u", extra: $$"""
            "properties":{"a":"{{quarter}}","b":"{{quarter}}","c":"{{quarter}}","d":"{{quarter}}","e":"{{quarter}}"}
            """), 400, "BadRequestException", "LAKEKEEPER__CATALOG__MAXPROPERTIESBYTES");

        // Within the property limits, but the metadata document would pass its own.
        ErrorAssert.Contains(await _http.CommitTableAsync(ns, "t", "[]", $$$"""[{"action":"set-properties","updates":{"a":"{{{quarter}}}","b":"{{{quarter}}}","c":"{{{quarter}}}"}}]"""),
            400, "BadRequestException", "LAKEKEEPER__CATALOG__MAXMETADATABYTES");

        Assert.Equal(before, (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
        Assert.DoesNotContain("u", await _http.ListTablesAsync(ns));
        Assert.DoesNotContain("lim_big", await _http.ListNamespacesAsync());
    }

    [Fact]
    public async Task Metrics_reports_are_bounded_in_size_and_kept_per_table()
    {
        string[] ns = ["lim_metrics"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var url = _http.TableUrl(ns, "t") + "/metrics";

        ErrorAssert.Contains(await _http.PostAsync(url, $$"""{"report-type":"scan-report","padding":"{{new string('p', 3000)}}"}"""),
            400, "BadRequestException", "LAKEKEEPER__CATALOG__MAXMETRICSREPORTBYTES");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(204, (await _http.PostAsync(url, $$"""{"report-type":"commit-report","sequence":{{i}}}""")).Status);
        }

        await using var connection = new NpgsqlConnection(fixture.App.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT array_agg((report->>'sequence')::int ORDER BY (report->>'sequence')::int) FROM table_metrics_report r JOIN tabular t ON t.tabular_id = r.tabular_id WHERE t.name = 't' AND r.warehouse_id = $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(fixture.Prefix) });
        var kept = (int[])(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal([2, 3, 4], kept);
    }

    /// <summary>
    /// A body that holds the whole budget (here: one body's worth, its sender stalled) makes the next
    /// body wait (0 ms here) and then be refused with 503 and Retry-After; once it is gone, bodies pass.
    /// </summary>
    [Fact]
    public async Task Bodies_beyond_the_process_wide_budget_get_503_with_retry_after()
    {
        await _http.CreateNamespaceAsync("lim_budget");
        var server = fixture.App.Client.BaseAddress!;
        var path = new Uri(_http.Url("namespaces")).PathAndQuery;
        var stalled = await StalledRequest.StartAsync(server, path, SmallLimitsAppFixture.Body - 100);
        try
        {
            var body = $$$"""{"namespace":["lim_budget","x"],"properties":{"p":"{{{new string('b', 1000)}}}"}}""";
            var refused = await Eventually.ReturnsAsync(async () =>
            {
                // A probe that took its bytes first makes the stalled request the one refused: start it again.
                if (stalled.Answered)
                {
                    await stalled.DisposeAsync();
                    stalled = await StalledRequest.StartAsync(server, path, SmallLimitsAppFixture.Body - 100);
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                var reply = await _http.PostAsync(_http.Url("namespaces"), body);
                return reply.Status == 503 ? reply : null;
            }, TimeSpan.FromSeconds(20), "a 503 while the budget is held");
            ErrorAssert.Contains(refused, 503, "ServiceUnavailableException", "LAKEKEEPER__SERVER__REQUESTBODYBUDGETBYTES");
            Assert.True(refused.Headers.RetryAfter is not null, refused.ToString());
        }
        finally
        {
            await stalled.DisposeAsync();
        }

        var after = $$$"""{"namespace":["lim_budget","after"],"properties":{"p":"{{{new string('b', 1000)}}}"}}""";
        var passed = await Eventually.ReturnsAsync(async () =>
        {
            var reply = await _http.PostAsync(_http.Url("namespaces"), after);
            return reply.Status == 200 ? reply : null;
        }, TimeSpan.FromSeconds(20), "a 200 once the budget is free");
        Assert.Equal(200, passed.Status);
    }

    /// <summary>
    /// A POST whose head declares <c>length</c> body bytes and whose body then trickles JSON whitespace at
    /// 400 bytes/s — above Kestrel's minimum data rate (240 bytes/s after 5 s), so the server neither
    /// finishes it nor aborts it: it holds its bytes of the budget until disposed. <see cref="Answered"/>
    /// once the server answered it anyway (refused because another request held budget first).
    /// </summary>
    private sealed class StalledRequest : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly CancellationTokenSource _trickling = new();
        private readonly Task _trickle;

        private StalledRequest(TcpClient client)
        {
            _client = client;
            var stream = client.GetStream();
            _trickle = Task.Run(async () =>
            {
                var spaces = Encoding.ASCII.GetBytes(new string(' ', 100));
                try
                {
                    while (!_trickling.IsCancellationRequested)
                    {
                        await stream.WriteAsync(spaces, _trickling.Token);
                        await Task.Delay(250, _trickling.Token);
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
                {
                }
            });
        }

        public bool Answered => _client.Available > 0;

        public static async Task<StalledRequest> StartAsync(Uri server, string path, int length)
        {
            var client = new TcpClient();
            await client.ConnectAsync(server.Host, server.Port, TestContext.Current.CancellationToken);
            var head = $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{\"namespace\":";
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head), TestContext.Current.CancellationToken);
            return new StalledRequest(client);
        }

        public async ValueTask DisposeAsync()
        {
            await _trickling.CancelAsync();
            await _trickle;
            _client.Dispose();
            _trickling.Dispose();
        }
    }

    [Fact]
    public async Task A_json_string_over_the_limit_is_400_naming_the_setting_and_changes_nothing()
    {
        string[] ns = ["lim_strings"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var before = (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString();
        var tooLong = new string('s', SmallLimitsAppFixture.MaxString + 1);

        ErrorAssert.Contains(await _http.PostAsync(_http.Url("namespaces"), $$$"""{"namespace":["lim_long"],"properties":{"p":"{{{tooLong}}}"}}"""),
            400, "BadRequestException", "LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES");
        ErrorAssert.Contains(await _http.PostAsync(_http.Url("namespaces"), $$$"""{"namespace":["lim_long"],"properties":{"{{{tooLong}}}":"v"}}"""),
            400, "BadRequestException", "LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES");
        ErrorAssert.Contains(await _http.CommitTableAsync(ns, "t", "[]", $$$"""[{"action":"set-properties","updates":{"k":"{{{tooLong}}}"}}]"""),
            400, "BadRequestException", "LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES");

        Assert.Equal(404, (await _http.GetAsync(_http.NamespaceUrl(["lim_long"]))).Status);
        Assert.Equal(before, (await _http.LoadTableAsync(ns, "t")).GetProperty("metadata-location").GetString());
        // A string at the limit passes the guard (and meets the catalog's own property limit instead).
        ErrorAssert.Contains(await _http.PostAsync(_http.Url("namespaces"), $$$"""{"namespace":["lim_long"],"properties":{"p":"{{{tooLong[1..]}}}"}}"""),
            400, "BadRequestException", "LAKEKEEPER__CATALOG__MAXPROPERTYVALUEBYTES");
    }

    [Fact]
    public async Task A_body_with_an_over_long_string_is_refused_before_the_rest_of_it_is_sent()
    {
        var server = fixture.App.Client.BaseAddress!;
        using var client = new TcpClient();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(server.Host, server.Port, deadline.Token);
        var stream = client.GetStream();
        // The body announces 60,000 bytes; only the start of its long string is sent, and the connection stays open.
        var head = $"POST {new Uri(_http.Url("namespaces")).PathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n"
            + "{\"namespace\":[\"lim_early\"],\"properties\":{\"p\":\"" + new string('e', 3 * SmallLimitsAppFixture.MaxString);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), deadline.Token);

        var answer = new StringBuilder();
        var buffer = new byte[4096];
        while (!answer.ToString().Contains("MAXJSONSTRINGBYTES", StringComparison.Ordinal))
        {
            // Without the early check the server waits for the rest of the body and this read runs into the deadline.
            var read = await stream.ReadAsync(buffer, deadline.Token);
            Assert.True(read > 0, "the server closed the connection without an answer: " + answer);
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.StartsWith("HTTP/1.1 400", answer.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"type\":\"BadRequestException\"", answer.ToString(), StringComparison.Ordinal);
        Assert.Equal(404, (await _http.GetAsync(_http.NamespaceUrl(["lim_early"]))).Status);
    }
}
