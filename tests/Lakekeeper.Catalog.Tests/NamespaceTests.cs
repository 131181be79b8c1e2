using System.Text.Json;
using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>Namespaces: create, list (nested, paged), load, HEAD, drop, properties, names.</summary>
public sealed class NamespaceTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Create_returns_the_namespace_and_its_properties()
    {
        var reply = await _http.CreateNamespaceAsync(["ns_create"], """{"owner":"alice","a.b":"c"}""");
        var body = reply.Json;
        Assert.Equal(["ns_create"], body.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("alice", body.GetProperty("properties").GetProperty("owner").GetString());
        Assert.Equal("c", body.GetProperty("properties").GetProperty("a.b").GetString());

        var loaded = await _http.GetAsync(_http.NamespaceUrl("ns_create"));
        Assert.Equal(200, loaded.Status);
        Assert.Equal("alice", loaded.Json.GetProperty("properties").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task Load_of_a_namespace_without_properties_has_an_empty_properties_object()
    {
        await _http.CreateNamespaceAsync("ns_noprops");
        var loaded = await _http.GetAsync(_http.NamespaceUrl("ns_noprops"));
        Assert.Equal(200, loaded.Status);
        Assert.Equal(JsonValueKind.Object, loaded.Json.GetProperty("properties").ValueKind);
        Assert.Empty(loaded.Json.GetProperty("properties").EnumerateObject());
        Assert.Equal(["ns_noprops"], loaded.Json.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task Create_of_an_existing_namespace_is_409_and_keeps_the_first()
    {
        await _http.CreateNamespaceAsync(["ns_dup"], """{"v":"1"}""");
        var again = await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["ns_dup"],"properties":{"v":"2"}}""");
        ErrorAssert.Exactly(again, 409, "AlreadyExistsException", "Namespace already exists: ns_dup");
        var loaded = await _http.GetAsync(_http.NamespaceUrl("ns_dup"));
        Assert.Equal("1", loaded.Json.GetProperty("properties").GetProperty("v").GetString());
    }

    [Fact]
    public async Task Names_are_unique_ignoring_case_but_keep_their_case()
    {
        await _http.CreateNamespaceAsync("NsCase");
        var clash = await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["nscase"]}""");
        ErrorAssert.Exactly(clash, 409, "AlreadyExistsException", "Namespace already exists: nscase");

        var loaded = await _http.GetAsync(_http.NamespaceUrl("NSCASE"));
        Assert.Equal(200, loaded.Status);
        Assert.Equal(["NsCase"], loaded.Json.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
        Assert.Contains("NsCase", await _http.ListNamespacesAsync());
        Assert.DoesNotContain("nscase", await _http.ListNamespacesAsync());
    }

    [Fact]
    public async Task Nested_create_needs_the_parent()
    {
        var orphan = await _http.PostAsync(_http.Url("namespaces"), """{"namespace":["ns_no_parent","child"]}""");
        ErrorAssert.Exactly(orphan, 404, "NoSuchNamespaceException", "Namespace does not exist: ns_no_parent");
        Assert.DoesNotContain("ns_no_parent", await _http.ListNamespacesAsync());

        await _http.CreateNamespaceAsync("ns_parent");
        await _http.CreateNamespaceAsync(["ns_parent", "child"]);
        await _http.CreateNamespaceAsync(["ns_parent", "child", "grandchild"]);
        var loaded = await _http.GetAsync(_http.NamespaceUrl("ns_parent", "child", "grandchild"));
        Assert.Equal(200, loaded.Status);
        Assert.Equal(["ns_parent", "child", "grandchild"], loaded.Json.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task List_shows_one_level_at_a_time()
    {
        await _http.CreateNamespaceAsync("ns_tree");
        await _http.CreateNamespaceAsync(["ns_tree", "a"]);
        await _http.CreateNamespaceAsync(["ns_tree", "b"]);
        await _http.CreateNamespaceAsync(["ns_tree", "a", "deep"]);

        var top = await _http.ListNamespacesAsync();
        Assert.Contains("ns_tree", top);
        Assert.DoesNotContain(top, n => n.StartsWith("ns_tree.", StringComparison.Ordinal));

        Assert.Equal(["ns_tree.a", "ns_tree.b"], await _http.ListNamespacesAsync(["ns_tree"]));
        Assert.Equal(["ns_tree.a.deep"], await _http.ListNamespacesAsync(["ns_tree", "a"]));
        Assert.Empty(await _http.ListNamespacesAsync(["ns_tree", "b"]));

        // Without paging parameters there is no token at all.
        var all = await _http.GetAsync(_http.Url("namespaces?parent=ns_tree"));
        Assert.False(all.Json.TryGetProperty("next-page-token", out _), all.Body);
    }

    [Fact]
    public async Task List_of_a_missing_parent_is_404()
    {
        var reply = await _http.GetAsync(_http.Url("namespaces?parent=" + CatalogHttp.Ns("ns_missing_parent", "x")));
        ErrorAssert.Exactly(reply, 404, "NoSuchNamespaceException", "Namespace does not exist: ns_missing_parent.x");
    }

    /// <summary>
    /// Issue 14, defect 6: any base64url string used to be taken as a position (<c>pageToken=abc</c>
    /// gave 200). Tokens are sealed for their listing: forged, altered or foreign ones are 400.
    /// </summary>
    [Fact]
    public async Task Page_tokens_are_authenticated_and_bound_to_their_listing()
    {
        await _http.CreateNamespaceAsync("ns_tok");
        await _http.CreateNamespaceAsync("ns_tok2");
        for (var i = 0; i < 3; i++)
        {
            await _http.CreateNamespaceAsync(["ns_tok", $"c{i}"]);
            await _http.CreateNamespaceAsync(["ns_tok2", $"c{i}"]);
        }

        var first = await _http.GetAsync(_http.Url("namespaces?parent=ns_tok&pageSize=1&pageToken="));
        Assert.Equal(200, first.Status);
        var token = first.Json.GetProperty("next-page-token").GetString()!;
        Assert.Equal(200, (await _http.GetAsync(_http.Url($"namespaces?parent=ns_tok&pageSize=1&pageToken={Uri.EscapeDataString(token)}"))).Status);

        // Base64url of a plausible key (what tokens used to be), an altered tag, another parent's listing, another kind.
        var plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("ns_tok\u001fc0")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var at = token.LastIndexOf('.') + 3;
        var altered = token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];
        string[] refused =
        [
            _http.Url("namespaces?parent=ns_tok&pageSize=1&pageToken=abc"),
            _http.Url($"namespaces?parent=ns_tok&pageSize=1&pageToken={plain}"),
            _http.Url($"namespaces?parent=ns_tok&pageSize=1&pageToken={Uri.EscapeDataString(altered)}"),
            _http.Url($"namespaces?parent=ns_tok2&pageSize=1&pageToken={Uri.EscapeDataString(token)}"),
            _http.Url($"namespaces/ns_tok/tables?pageSize=1&pageToken={Uri.EscapeDataString(token)}"),
        ];
        foreach (var url in refused)
        {
            ErrorAssert.StartsWith(await _http.GetAsync(url), 400, "BadRequestException", "pageToken is not a token this server issued");
        }
    }

    /// <summary>Issue 14, defect 6: a repeated single-valued parameter used to take one value silently.</summary>
    [Fact]
    public async Task Repeated_query_parameters_are_400()
    {
        await _http.CreateNamespaceAsync("ns_rep");
        string[] urls =
        [
            _http.Url("namespaces?pageToken=&pageToken="),
            _http.Url("namespaces?pageSize=1&pageSize=2"),
            _http.Url("namespaces?parent=ns_rep&parent=ns_rep"),
            _http.Url("namespaces/ns_rep/tables?pageSize=1&pageSize=1"),
        ];
        foreach (var url in urls)
        {
            ErrorAssert.Contains(await _http.GetAsync(url), 400, "BadRequestException", "takes one value");
        }
    }

    [Fact]
    public async Task Pages_follow_the_token_until_it_is_null()
    {
        await _http.CreateNamespaceAsync("ns_pages");
        var expected = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            await _http.CreateNamespaceAsync(["ns_pages", $"c{i}"]);
            expected.Add($"ns_pages.c{i}");
        }

        var seen = new List<string>();
        string? token = string.Empty;
        var pages = 0;
        while (token is not null)
        {
            var reply = await _http.GetAsync(_http.Url($"namespaces?parent=ns_pages&pageSize=3&pageToken={Uri.EscapeDataString(token)}"));
            Assert.Equal(200, reply.Status);
            var page = reply.Json.GetProperty("namespaces").EnumerateArray().Select(n => string.Join('.', n.EnumerateArray().Select(l => l.GetString()))).ToList();
            Assert.True(page.Count <= 3, reply.Body);
            seen.AddRange(page);
            var next = reply.Json.GetProperty("next-page-token");
            token = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
            Assert.True(token is null || token.Length > 0, reply.Body);
            Assert.True(++pages <= 4, "too many pages");
        }

        Assert.Equal(3, pages);
        Assert.Equal(expected, seen);

        // pageSize alone also pages; a page that ends the list has a null token.
        var first = await _http.GetAsync(_http.Url("namespaces?parent=ns_pages&pageSize=100"));
        Assert.Equal(7, first.Json.GetProperty("namespaces").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, first.Json.GetProperty("next-page-token").ValueKind);
    }

    [Fact]
    public async Task Head_is_204_or_404_without_a_body()
    {
        await _http.CreateNamespaceAsync("ns_head");
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.NamespaceUrl("ns_head")), 204);
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.NamespaceUrl("ns_head_missing")), 404);
    }

    [Fact]
    public async Task Drop_of_an_empty_namespace_is_204_then_404()
    {
        await _http.CreateNamespaceAsync("ns_drop");
        var dropped = await _http.DeleteAsync(_http.NamespaceUrl("ns_drop"));
        Assert.Equal(204, dropped.Status);
        Assert.Empty(dropped.BodyBytes);
        ErrorAssert.Exactly(await _http.GetAsync(_http.NamespaceUrl("ns_drop")), 404, "NoSuchNamespaceException", "Namespace does not exist: ns_drop");
        ErrorAssert.Exactly(await _http.DeleteAsync(_http.NamespaceUrl("ns_drop")), 404, "NoSuchNamespaceException", "Namespace does not exist: ns_drop");
    }

    [Fact]
    public async Task Drop_of_a_namespace_with_a_table_a_view_or_a_child_is_409()
    {
        string[] withTable = ["ns_full_t"], withView = ["ns_full_v"], withChild = ["ns_full_c"];
        await _http.CreateNamespaceAsync(withTable);
        await _http.CreateTableAsync(withTable, "t");
        await _http.CreateNamespaceAsync(withView);
        await _http.CreateViewAsync(withView, "v");
        await _http.CreateNamespaceAsync(withChild);
        await _http.CreateNamespaceAsync(["ns_full_c", "kid"]);

        foreach (var ns in new[] { withTable, withView, withChild })
        {
            var reply = await _http.DeleteAsync(_http.NamespaceUrl(ns));
            ErrorAssert.Contains(reply, 409, "NamespaceNotEmptyException", "is not empty");
            Assert.Equal(200, (await _http.GetAsync(_http.NamespaceUrl(ns))).Status);
        }

        // Once emptied, the drop works.
        Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(withTable, "t"))).Status);
        Assert.Equal(204, (await _http.DeleteAsync(_http.NamespaceUrl(withTable))).Status);
    }

    [Fact]
    public async Task Update_properties_reports_updated_removed_and_missing()
    {
        await _http.CreateNamespaceAsync(["ns_props"], """{"keep":"1","drop":"2"}""");
        var reply = await _http.PostAsync(_http.NamespaceUrl("ns_props") + "/properties",
            """{"removals":["drop","never-there"],"updates":{"new":"3","keep":"4"}}""");
        Assert.Equal(200, reply.Status);
        var body = reply.Json;
        Assert.Equal(["keep", "new"], body.GetProperty("updated").EnumerateArray().Select(e => e.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["drop"], body.GetProperty("removed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["never-there"], body.GetProperty("missing").EnumerateArray().Select(e => e.GetString()));

        var properties = (await _http.GetAsync(_http.NamespaceUrl("ns_props"))).Json.GetProperty("properties");
        Assert.Equal("4", properties.GetProperty("keep").GetString());
        Assert.Equal("3", properties.GetProperty("new").GetString());
        Assert.False(properties.TryGetProperty("drop", out _));

        // Nothing to do still answers with all three lists.
        var empty = await _http.PostAsync(_http.NamespaceUrl("ns_props") + "/properties", "{}");
        Assert.Equal(200, empty.Status);
        foreach (var list in new[] { "updated", "removed", "missing" })
        {
            Assert.Equal(JsonValueKind.Array, empty.Json.GetProperty(list).ValueKind);
        }
    }

    [Fact]
    public async Task Update_properties_with_a_key_in_removals_and_updates_is_422_and_changes_nothing()
    {
        await _http.CreateNamespaceAsync(["ns_props_conflict"], """{"k":"v"}""");
        var reply = await _http.PostAsync(_http.NamespaceUrl("ns_props_conflict") + "/properties", """{"removals":["k"],"updates":{"k":"w"}}""");
        ErrorAssert.Contains(reply, 422, "UnprocessableEntityException", "k");
        var properties = (await _http.GetAsync(_http.NamespaceUrl("ns_props_conflict"))).Json.GetProperty("properties");
        Assert.Equal("v", properties.GetProperty("k").GetString());
    }

    [Fact]
    public async Task Names_with_spaces_arrive_as_plus_or_percent_20()
    {
        await _http.CreateNamespaceAsync("ns space");
        await _http.CreateNamespaceAsync(["ns space", "inner level"]);

        // Java form-encodes (space → '+'), pyiceberg percent-encodes (space → %20).
        Assert.Equal(200, (await _http.GetAsync(_http.Url("namespaces/ns+space"))).Status);
        Assert.Equal(200, (await _http.GetAsync(_http.Url("namespaces/ns%20space"))).Status);
        var nested = await _http.GetAsync(_http.Url("namespaces/ns+space%1Finner+level"));
        Assert.Equal(200, nested.Status);
        Assert.Equal(["ns space", "inner level"], nested.Json.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
        ErrorAssert.HeadStatus(await _http.HeadAsync(_http.Url("namespaces/ns%20space%1Finner%20level")), 204);
        Assert.Equal(["ns space.inner level"], await _http.ListNamespacesAsync(["ns space"]));

        // A literal '+' is sent as %2B and stays a '+'.
        await _http.CreateNamespaceAsync("ns+plus");
        Assert.Equal(200, (await _http.GetAsync(_http.Url("namespaces/ns%2Bplus"))).Status);
        ErrorAssert.Is(await _http.GetAsync(_http.Url("namespaces/ns+plus")), 404, "NoSuchNamespaceException");
    }

    [Fact]
    public async Task Multi_level_names_round_trip_odd_characters()
    {
        string[] levels = ["ns_odd", "with.dot", "with/slash", "percent%25", "ünïcödé"];
        for (var i = 1; i <= levels.Length; i++)
        {
            await _http.CreateNamespaceAsync(levels[..i]);
        }

        var loaded = await _http.GetAsync(_http.NamespaceUrl(levels));
        Assert.Equal(200, loaded.Status);
        Assert.Equal(levels, loaded.Json.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal([string.Join('.', levels)], await _http.ListNamespacesAsync(levels[..^1]));

        await _http.CreateTableAsync(levels, "t");
        Assert.Equal(["t"], await _http.ListTablesAsync(levels));
    }

    [Fact]
    public async Task Missing_namespace_errors_name_the_namespace_exactly()
    {
        string[] missing = ["ns_missing", "deeper"];
        ErrorAssert.Exactly(await _http.GetAsync(_http.NamespaceUrl(missing)), 404, "NoSuchNamespaceException", "Namespace does not exist: ns_missing.deeper");
        ErrorAssert.Exactly(await _http.PostAsync(_http.NamespaceUrl(missing) + "/properties", """{"updates":{"a":"b"}}"""),
            404, "NoSuchNamespaceException", "Namespace does not exist: ns_missing.deeper");
        ErrorAssert.Exactly(await _http.PostAsync(_http.NamespaceUrl(missing) + "/properties", """{"removals":["a"]}"""),
            404, "NoSuchNamespaceException", "Namespace does not exist: ns_missing.deeper");
        ErrorAssert.Exactly(await _http.GetAsync(_http.NamespaceUrl(missing) + "/tables"), 404, "NoSuchNamespaceException", "Namespace does not exist: ns_missing.deeper");
        ErrorAssert.Exactly(await _http.GetAsync(_http.NamespaceUrl(missing) + "/views"), 404, "NoSuchNamespaceException", "Namespace does not exist: ns_missing.deeper");
    }
}
