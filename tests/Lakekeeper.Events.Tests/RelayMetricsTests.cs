using System.Globalization;
using Lakekeeper.Events.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Events.Tests;

[CollectionDefinition(nameof(RelayMetricsCollection), DisableParallelization = true)]
public sealed class RelayMetricsCollection;

/// <summary>
/// The relay's instruments as OpenTelemetry exports them: scraped from the standalone host's
/// Prometheus endpoint (<c>LAKEKEEPER__METRICS_PORT</c>) while a real nats-server is up, then down,
/// then back. Alone in its collection, so that no other test's relay runs in the process meanwhile.
/// </summary>
[Collection(nameof(RelayMetricsCollection))]
public sealed class RelayMetricsTests
{
    private const string Published = "lakekeeper_events_published_total";
    private const string Failures = "lakekeeper_events_publish_failures_total";
    private const string Lag = "lakekeeper_events_relay_lag_seconds";
    private const string LatencyCount = "lakekeeper_events_delivery_latency_milliseconds_count";

    [Fact]
    public async Task Published_failures_lag_and_latency_move_on_the_prometheus_endpoint_with_deliveries_and_a_nats_outage()
    {
        await using var nats = await NatsServer.StartAsync();
        var metricsPort = FreePort.Next();
        var settings = NatsRelayFixture.Settings(nats.Url);
        settings["METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture);
        await using var app = await StandaloneApp.StartAsync(settings);
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort.ToString(CultureInfo.InvariantCulture)}") };

        var catalog = await CatalogClient.StartAsync(app, "metrics");
        await catalog.CreateNamespaceAsync("metrics");
        await catalog.CreateTableAsync("metrics", "t");
        for (var i = 0; i < 5; i++)
        {
            await catalog.CommitAsync("metrics", "t", "n", i.ToString(CultureInfo.InvariantCulture));
        }

        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        var delivered = await Eventually.ReturnsAsync(async () =>
        {
            var m = await ScrapeAsync(scraper);
            return m.Value(Published) == 7 && m.Value(LatencyCount) == 7 && m.Value(Lag) == 0 ? m : null;
        }, TimeSpan.FromSeconds(30), "7 published events, 7 delivery latencies and no lag on /metrics");
        Assert.Equal(0, delivered.Value(Failures, "sink=\"nats\""));

        // NATS goes away: rounds fail (counted by sink), the lag grows, nothing more is published.
        nats.Kill();
        for (var i = 0; i < 3; i++)
        {
            await catalog.CommitAsync("metrics", "t", "down", i.ToString(CultureInfo.InvariantCulture));
        }

        var outage = await Eventually.ReturnsAsync(async () =>
        {
            var m = await ScrapeAsync(scraper);
            return m.Value(Failures, "sink=\"nats\"") >= 3 && m.Value(Lag) > 0 ? m : null;
        }, TimeSpan.FromSeconds(60), "failures by sink and a relay lag on /metrics while NATS is down");
        Assert.Equal(7, outage.Value(Published));
        Assert.Equal(3, (await catalog.OutboxAsync()).Count(e => !e.Published));

        // Back: the waiting events are published once each, and the lag returns to 0.
        await nats.StartAgainAsync();
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        var recovered = await Eventually.ReturnsAsync(async () =>
        {
            var m = await ScrapeAsync(scraper);
            return m.Value(Published) == 10 && m.Value(Lag) == 0 ? m : null;
        }, TimeSpan.FromSeconds(30), "10 published events and no lag on /metrics after NATS is back");
        Assert.Equal(10, recovered.Value(LatencyCount));
        Assert.True(recovered.Value(Failures, "sink=\"nats\"") >= outage.Value(Failures, "sink=\"nats\""));
    }

    private static async Task<Scrape> ScrapeAsync(HttpClient scraper)
    {
        using var response = await scraper.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The Prometheus text format, read line by line: <c>name{labels} value [timestamp]</c>.</summary>
    private sealed class Scrape(string text)
    {
        /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/> (0 when none).</summary>
        public double Value(string name, string? label = null)
        {
            var sum = 0.0;
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
                {
                    continue;
                }

                var rest = line[name.Length..];
                string labels;
                if (rest.StartsWith('{'))
                {
                    var end = rest.IndexOf('}', StringComparison.Ordinal);
                    labels = rest[..(end + 1)];
                    rest = rest[(end + 1)..];
                }
                else if (rest.StartsWith(' '))
                {
                    labels = string.Empty;
                }
                else
                {
                    continue; // Another metric whose name starts with this one.
                }

                if (label is null || labels.Contains(label, StringComparison.Ordinal))
                {
                    sum += double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }

            return sum;
        }

        public override string ToString() => text;
    }
}
