using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// The events API returns only events of objects the caller may list. The catalog does not write
/// ownership tuples yet (the builtin engine has none to answer from), so a fake authorizer in front of
/// the app's real one hides chosen tables from list-objects; everything else (catalog, outbox, paging)
/// is the real standalone app.
/// </summary>
public sealed class EventsApiVisibilityTests
{
    [Fact]
    public async Task Events_of_tables_a_fake_authorizer_hides_are_not_returned_and_paging_skips_them()
    {
        var hidden = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await using var app = await StandaloneApp.StartAsync(services: services => HideTables(services, hidden));
        var prefix = await app.CreateWarehouseAsync("visibility");
        await PostAsync(app, $"/catalog/v1/{prefix}/namespaces", """{"namespace":["ns"]}""");
        var seen = await CreateTableAsync(app, prefix, "seen");
        var secret = await CreateTableAsync(app, prefix, "secret");
        hidden[secret] = true;
        for (var i = 0; i < 5; i++)
        {
            await CommitAsync(app, prefix, "secret", i);
            await CommitAsync(app, prefix, "seen", i);
        }

        // Pages of two: some pages hold only hidden events; the token still moves past them.
        var events = new List<JsonElement>();
        string? token = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object?> { ["page-size"] = 2, ["continuation-token"] = token });
            using var response = await app.Client.PostAsync($"/catalog/v1/{prefix}/events", new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            var root = JsonDocument.Parse(text).RootElement;
            var page = root.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
            Assert.True(page.Count <= 2, text);
            if (page.Count == 0)
            {
                break;
            }

            events.AddRange(page);
            token = root.GetProperty("continuation-token").GetString();
        }

        string? TableOf(JsonElement e) =>
            e.GetProperty("operation").TryGetProperty("table-uuid", out var id) ? id.GetString() : null;
        Assert.DoesNotContain(events, e => TableOf(e) == secret);
        Assert.Equal(6, events.Count(e => TableOf(e) == seen)); // create + 5 commits
        Assert.Single(events, e => e.GetProperty("operation").GetProperty("operation-type").GetString() == "create-namespace");
        Assert.Equal(7, events.Count);

        // Without the fake's restriction the same log has the hidden table's six events too.
        hidden.Clear();
        using var all = await app.Client.PostAsync($"/catalog/v1/{prefix}/events", new StringContent("""{"page-size":100}""", Encoding.UTF8, "application/json"));
        var allEvents = JsonDocument.Parse(await all.Content.ReadAsStringAsync()).RootElement.GetProperty("events");
        Assert.Equal(13, allEvents.GetArrayLength());
    }

    /// <summary>Wraps the app's authorizer: list-objects of tables leaves out the hidden ones.</summary>
    private static void HideTables(IServiceCollection services, ConcurrentDictionary<string, bool> hidden)
    {
        var original = services.Last(d => d.ServiceType == typeof(IAuthorizer) && !d.IsKeyedService);
        services.Remove(original);
        services.AddSingleton<IAuthorizer>(sp => new HidingAuthorizer(
            original.ImplementationFactory is { } factory ? (IAuthorizer)factory(sp) : (IAuthorizer)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!),
            hidden));
    }

    private sealed class HidingAuthorizer(IAuthorizer inner, ConcurrentDictionary<string, bool> hidden) : IAuthorizer
    {
        public ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default) =>
            inner.CheckAsync(principal, target, relation, cancellationToken);

        public ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default) =>
            inner.BatchCheckAsync(principal, items, cancellationToken);

        public async ValueTask<ObjectList> ListObjectsAsync(Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default)
        {
            var list = await inner.ListObjectsAsync(principal, objectType, relation, within, cancellationToken);
            if (objectType != ObjectTypes.Table || hidden.IsEmpty)
            {
                return list;
            }

            // The fake knows the tables of the test: every one it was told about, minus the hidden.
            return ObjectList.Of(Known.Where(id => !hidden.ContainsKey(id)));
        }

        public ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) =>
            inner.WriteRelationshipsAsync(relationships, cancellationToken);

        public ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) =>
            inner.DeleteRelationshipsAsync(relationships, cancellationToken);

        public ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default) =>
            inner.ReadRelationshipsAsync(query, cancellationToken);
    }

    private static readonly ConcurrentBag<string> Known = [];

    private static async Task<string> CreateTableAsync(StandaloneApp app, string prefix, string name)
    {
        var body = $$$"""{"name":"{{{name}}}","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""";
        var created = await PostAsync(app, $"/catalog/v1/{prefix}/namespaces/ns/tables", body);
        var id = created.GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        Known.Add(id);
        return id;
    }

    private static Task CommitAsync(StandaloneApp app, string prefix, string table, int i) =>
        PostAsync(app, $"/catalog/v1/{prefix}/namespaces/ns/tables/{table}",
            $$$"""{"requirements":[],"updates":[{"action":"set-properties","updates":{"n":"{{{i}}}"}}]}""");

    private static async Task<JsonElement> PostAsync(StandaloneApp app, string path, string json)
    {
        using var response = await app.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary><c>LAKEKEEPER__CATALOG__EVENTSAPI=false</c>: the events API is neither advertised nor served.</summary>
public sealed class EventsApiDisabledTests
{
    [Fact]
    public async Task A_disabled_events_api_is_not_advertised_and_not_served()
    {
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["Catalog:EventsApi"] = "false" });
        var prefix = await app.CreateWarehouseAsync("no-events");
        using var config = await app.Client.GetAsync("/catalog/v1/config?warehouse=no-events");
        var text = await config.Content.ReadAsStringAsync();
        Assert.True(config.IsSuccessStatusCode, text);
        var endpoints = JsonDocument.Parse(text).RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("POST /v1/{prefix}/transactions/commit", endpoints);
        Assert.DoesNotContain("POST /v1/{prefix}/events", endpoints);

        using var events = await app.Client.PostAsync($"/catalog/v1/{prefix}/events", new StringContent("{}", Encoding.UTF8, "application/json"));
        var refused = await events.Content.ReadAsStringAsync();
        Assert.True((int)events.StatusCode == 404, refused); // the server's answer to any unmapped route
        Assert.Contains("NotFoundException", refused, StringComparison.Ordinal);
        Assert.Contains("No route for request", refused, StringComparison.Ordinal);
    }
}
