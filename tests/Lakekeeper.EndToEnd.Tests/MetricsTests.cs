using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// <c>curl :&lt;metrics port&gt;/metrics</c> against the real standalone binary on loopback, after a
/// few catalog requests and a commit that is made to lose its compare-and-swap race: request
/// durations by route template, commit conflicts, authorizer call durations and Npgsql's pool.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task The_metrics_port_shows_requests_by_route_commit_conflicts_authz_calls_and_the_db_pool()
    {
        var postgres = await PostgresServer.SharedAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        var warehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-metrics-").FullName;
        var metricsPort = FreePort.Next();
        await using var service = await ServiceProcess.StartAsync("standalone", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = connectionString,
            ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = warehouseRoot,
            ["LAKEKEEPER__METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture),
        });
        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        var prefix = await CreateWarehouseAsync(client, warehouseRoot);
        var table = $"/catalog/v1/{prefix}/namespaces/metrics/tables/t";
        (await client.PostAsJsonAsync($"/catalog/v1/{prefix}/namespaces", new { @namespace = new[] { "metrics" } })).EnsureSuccessStatusCode();
        using (var created = await client.PostAsync($"/catalog/v1/{prefix}/namespaces/metrics/tables", Json(new
        {
            name = "t",
            schema = new { type = "struct", fields = new object[] { new { id = 1, name = "id", required = true, type = "long" } } },
        })))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync(table)).EnsureSuccessStatusCode();
        }

        await CommitLosingOneRaceAsync(client, connectionString, table);

        var scrape = await ScrapeUntilAsync(metricsPort, s =>
            Value(s, "http_server_request_duration_seconds_count", "http_route=\"/catalog/v1/{prefix}/namespaces/{namespace}/tables/{table}\"", "http_request_method=\"GET\"") >= 3
            && Value(s, "lakekeeper_catalog_commit_conflicts_total") >= 1);

        // Requests by route template, never by the path a client sent.
        Assert.True(Value(scrape, "http_server_request_duration_seconds_count", "http_route=\"/catalog/v1/{prefix}/namespaces/{namespace}/tables/{table}\"", "http_request_method=\"POST\"", "http_response_status_code=\"200\"") >= 1, scrape);
        Assert.DoesNotContain(prefix, scrape, StringComparison.Ordinal);
        Assert.DoesNotContain("namespaces/metrics", scrape, StringComparison.Ordinal);
        Assert.Equal(1, Value(scrape, "lakekeeper_catalog_commit_conflicts_total"));
        // Every request above was authorized in process (standalone): the calls are timed by method.
        Assert.True(Value(scrape, "lakekeeper_authz_call_duration_seconds_count", "method=\"Check\"", "outcome=\"ok\"") >= 3, scrape);
        // Npgsql's pool: connections by state, and the pool's limit.
        Assert.Contains(Lines(scrape, "db_client_connection_count"), l => l.Contains("db_client_connection_state=\"idle\"", StringComparison.Ordinal));
        Assert.Equal(50, Value(scrape, "db_client_connection_max", "db_client_connection_pool_name=\"lakekeeper\""));
        Assert.DoesNotContain("Host=", scrape, StringComparison.Ordinal);

        // The public port has no /metrics.
        using var onPublic = await client.GetAsync("/metrics");
        Assert.NotEqual(HttpStatusCode.OK, onPublic.StatusCode);
        Directory.Delete(warehouseRoot, recursive: true);
    }

    /// <summary>
    /// Holds the table's row locked with a moved pointer while a commit runs: the commit's swap waits
    /// for the lock, then finds the pointer moved (a lost race), and succeeds on its retry.
    /// </summary>
    private static async Task CommitLosingOneRaceAsync(HttpClient client, string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        string location;
        await using (var read = new NpgsqlCommand("SELECT metadata_location FROM tabular WHERE name = 't'", connection, tx))
        {
            location = (string)(await read.ExecuteScalarAsync())!;
        }

        // The pointer moves to a copy of the same metadata, so the retry finds valid metadata.
        var moved = location.Replace(".metadata.json", "-moved.metadata.json", StringComparison.Ordinal);
        File.Copy(new Uri(location).LocalPath, new Uri(moved).LocalPath);
        await using (var move = new NpgsqlCommand("UPDATE tabular SET metadata_location = $1 WHERE name = 't'", connection, tx))
        {
            move.Parameters.AddWithValue(moved);
            Assert.Equal(1, await move.ExecuteNonQueryAsync());
        }

        var commit = client.PostAsync(table, Json(new
        {
            requirements = Array.Empty<object>(),
            updates = new object[] { new { action = "set-properties", updates = new Dictionary<string, string> { ["k"] = "v" } } },
        }));
        // Watched from another connection: inside a transaction pg_stat_activity is a snapshot.
        await using var observer = new NpgsqlConnection(connectionString);
        await observer.OpenAsync();
        await Eventually.TrueAsync(async () =>
        {
            await using var waiting = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE tabular SET metadata_location%'",
                observer);
            return (long)(await waiting.ExecuteScalarAsync())! == 1 || commit.IsCompleted;
        }, TimeSpan.FromSeconds(30), "the commit's swap waiting for the row lock");
        Assert.False(commit.IsCompleted, "the commit finished without waiting for the locked row");
        await tx.CommitAsync();

        using var response = await commit;
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<string> CreateWarehouseAsync(HttpClient client, string root)
    {
        (await client.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true })).EnsureSuccessStatusCode();
        var folder = Path.Combine(root, "demo");
        Directory.CreateDirectory(folder);
        using var created = await client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = "demo",
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = folder },
        });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("warehouse-id").GetString()!;
    }

    private static async Task<string> ScrapeUntilAsync(int metricsPort, Func<string, bool> done)
    {
        using var http = new HttpClient();
        var last = "";
        try
        {
            return await Eventually.ReturnsAsync(async () =>
            {
                last = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
                return done(last) ? last : null;
            }, TimeSpan.FromSeconds(15), "the metrics of the requests made");
        }
        catch (TimeoutException)
        {
            Assert.Fail("last scrape:\n" + last);
            throw;
        }
    }

    private static IEnumerable<string> Lines(string scrape, string metric) =>
        scrape.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal));

    /// <summary>The sum of a metric over the series whose labels contain all of <paramref name="labels"/>.</summary>
    private static double Value(string scrape, string metric, params string[] labels) =>
        Lines(scrape, metric)
            .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
