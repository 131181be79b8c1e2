using System.Diagnostics;
using System.Text.Json;
using Lakekeeper.Events.Tests.Support;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// The relay against a real nats-server with JetStream: every committed change arrives once, in
/// order per table, through a broker outage, with Lakekeeper's CloudEvent fields. Two relays run on
/// the same database throughout.
/// </summary>
public sealed class NatsRelayTests(NatsRelayFixture fixture) : IClassFixture<NatsRelayFixture>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);
    [Fact]
    public async Task A_thousand_commits_over_20_tables_arrive_once_each_and_in_order_per_table_across_a_5_s_nats_outage()
    {
        const int tables = 20;
        var catalog = await CatalogClient.StartAsync(fixture.App, "outage");
        await catalog.CreateNamespaceAsync("outage");
        await Task.WhenAll(Enumerable.Range(0, tables).Select(t => catalog.CreateTableAsync("outage", $"t{t}")));

        var commits = 0;
        async Task CommitAsync(int perTable) =>
            await Task.WhenAll(Enumerable.Range(0, tables).Select(async t =>
            {
                for (var i = 0; i < perTable; i++)
                {
                    await catalog.CommitAsync("outage", $"t{t}", "n", Interlocked.Increment(ref commits).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }));

        await CommitAsync(15);
        fixture.Nats.Kill();
        var down = Stopwatch.StartNew();
        await CommitAsync(20);
        var heldBack = (await catalog.OutboxAsync()).Count(e => !e.Published);
        if (down.Elapsed < Outage)
        {
            await Task.Delay(Outage - down.Elapsed);
        }

        await fixture.Nats.StartAgainAsync();
        await CommitAsync(15);
        Assert.Equal(1000, commits);
        Assert.True(heldBack > 0, "the events committed while NATS was down should have waited in the outbox");

        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(90));
        var outbox = await catalog.OutboxAsync();
        var tableIds = outbox.Select(e => e.ObjectId).ToHashSet();
        var stream = (await JetStreamReader.ReadAllAsync(fixture.Nats.Url, NatsRelayFixture.Stream))
            .Where(m => (string?)m.Event[ChangeEventFormat.WarehouseId] == catalog.Prefix)
            .ToList();

        // Exactly once: no id twice in the stream, and the stream holds every event of the outbox.
        var ids = stream.Select(m => Guid.Parse(m.Event.Id!)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var missing = outbox.Select((e, i) => (e.Id, Position: i)).Where(e => !ids.Contains(e.Id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} events are missing from the stream, at positions {string.Join(", ", missing.Take(20).Select(m => m.Position))}");
        Assert.Equal(outbox.Select(e => e.Id).Order(), ids.Order());
        Assert.All(stream, m => Assert.Equal(m.Event.Id, m.MsgId));

        // In order per table: each object's events appear in the order they were committed.
        foreach (var objectId in tableIds)
        {
            var committed = outbox.Where(e => e.ObjectId == objectId).Select(e => e.Id).ToList();
            var delivered = stream.Where(m => ObjectOf(m) == objectId).Select(m => Guid.Parse(m.Event.Id!)).ToList();
            Assert.Equal(committed, delivered);
        }

        Assert.Equal(1 + tables + 1000, outbox.Count);
    }

    [Fact]
    public async Task Events_carry_lakekeepers_fields_and_a_multi_table_commit_numbers_its_events()
    {
        var catalog = await CatalogClient.StartAsync(fixture.App, "fields");
        await catalog.CreateNamespaceAsync("fields");
        await catalog.CreateTableAsync("fields", "a");
        await catalog.CreateTableAsync("fields", "b");
        var requestId = "req-" + Guid.NewGuid().ToString("N");
        await catalog.CommitAsync("fields", "a", "owner", "me", requestId);
        var transactionId = "tx-" + Guid.NewGuid().ToString("N");
        await catalog.TransactionAsync(transactionId, ("fields", "a"), ("fields", "b"));
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(30));

        var stream = await JetStreamReader.ReadAllAsync(fixture.Nats.Url, NatsRelayFixture.Stream);
        var commit = Assert.Single(stream, m => (string?)m.Event[ChangeEventFormat.TraceId] == requestId);
        var e = commit.Event;
        Assert.Equal("updateTable", e.Type);
        Assert.StartsWith("uri:iceberg-catalog-service:", e.Source!.ToString(), StringComparison.Ordinal);
        Assert.Equal(7, Guid.Parse(e.Id!).Version);
        Assert.Equal(ChangeEventFormat.ContentType, commit.ContentType);
        Assert.Equal("application/json", e.DataContentType);
        Assert.Equal("table", e[ChangeEventFormat.TabularType]);
        Assert.Equal("a", e[ChangeEventFormat.Name]);
        Assert.Equal("fields", e[ChangeEventFormat.Namespace]);
        Assert.Equal(catalog.Prefix, e[ChangeEventFormat.WarehouseId]);
        Assert.Equal(catalog.Prefix, e[ChangeEventFormat.Prefix]);
        Assert.Equal(1, e[ChangeEventFormat.NumEvents]);
        Assert.Equal(0, e[ChangeEventFormat.SequenceNumber]);
        Assert.Equal("""{"type":"anonymous"}""", e[ChangeEventFormat.Actor]);
        var data = (JsonElement)e.Data!;
        Assert.Equal("set-properties", data.GetProperty("updates")[0].GetProperty("action").GetString());
        var table = (string)e[ChangeEventFormat.TabularId]!;
        Assert.Contains(stream, m => m.Event.Type == "createTable" && (string?)m.Event[ChangeEventFormat.TabularId] == table);

        var transaction = stream.Where(m => (string?)m.Event[ChangeEventFormat.TraceId] == transactionId).Select(m => m.Event).ToList();
        Assert.Equal(2, transaction.Count);
        Assert.All(transaction, t => Assert.Equal(2, t[ChangeEventFormat.NumEvents]));
        Assert.Equal([0, 1], transaction.Select(t => (int)t[ChangeEventFormat.SequenceNumber]!).Order());
        Assert.Equal(["a", "b"], transaction.Select(t => (string)t[ChangeEventFormat.Name]!).Order());
    }

    private static Guid ObjectOf(StoredMessage m) =>
        Guid.Parse((string?)m.Event[ChangeEventFormat.TabularId] ?? (string)m.Event[ChangeEventFormat.NamespaceId]!);
}
