using System.Text.Json;
using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Request targets that Kestrel normalises before routing (dot segments) or sends in absolute form:
/// the handler must act on the object the route matched, never on another one named in the raw target.
/// </summary>
public sealed class RequestTargetTests(CatalogAppFixture fixture) : IClassFixture<CatalogAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task A_dot_segment_never_drops_the_namespace_it_steps_out_of()
    {
        await _http.CreateNamespaceAsync("rt_keep");
        await _http.CreateNamespaceAsync("rt_scratch");
        var (status, body) = await RawHttp.SendAsync(fixture.App.BaseAddress, "DELETE", $"/catalog/v1/{fixture.Prefix}/namespaces/rt_keep/../rt_scratch");
        Assert.Equal(200, (await _http.GetAsync(_http.NamespaceUrl("rt_keep"))).Status);
        if (status == 204)
        {
            ErrorAssert.Is(await _http.GetAsync(_http.NamespaceUrl("rt_scratch")), 404, "NoSuchNamespaceException");
        }
        else
        {
            Assert.True(status is >= 400 and < 500, $"{status} {body}");
            Assert.Equal(200, (await _http.GetAsync(_http.NamespaceUrl("rt_scratch"))).Status);
        }
    }

    [Fact]
    public async Task A_dot_segment_never_drops_the_table_it_steps_out_of()
    {
        string[] ns = ["rt_tables"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "important");
        await _http.CreateTableAsync(ns, "victim");
        var (status, body) = await RawHttp.SendAsync(fixture.App.BaseAddress, "DELETE", $"/catalog/v1/{fixture.Prefix}/namespaces/rt_tables/tables/important/../victim");
        Assert.Contains("important", await _http.ListTablesAsync(ns));
        Assert.True(status is 204 or (>= 400 and < 500), $"{status} {body}");
        Assert.Equal(status == 204 ? ["important"] : ["important", "victim"], await _http.ListTablesAsync(ns));
    }

    [Fact]
    public async Task A_load_through_dot_segments_answers_for_the_routed_object_or_refuses()
    {
        await _http.CreateNamespaceAsync("rt_load");
        var (status, body) = await RawHttp.SendAsync(fixture.App.BaseAddress, "GET", $"/catalog/v1/{fixture.Prefix}/namespaces/elsewhere/./../rt_load");
        if (status == 200)
        {
            Assert.Equal(["rt_load"], JsonDocument.Parse(body).RootElement.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));
        }
        else
        {
            Assert.True(status is >= 400 and < 500, $"{status} {body}");
        }
    }

    [Fact]
    public async Task An_absolute_form_target_reads_the_same_names()
    {
        string[] ns = ["rt_absolute"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        var origin = fixture.App.BaseAddress.GetLeftPart(UriPartial.Authority);
        var (status, body) = await RawHttp.SendAsync(fixture.App.BaseAddress, "GET", $"{origin}/catalog/v1/{fixture.Prefix}/namespaces/rt_absolute");
        Assert.True(status == 200, $"{status} {body}");
        Assert.Equal(["rt_absolute"], JsonDocument.Parse(body).RootElement.GetProperty("namespace").EnumerateArray().Select(l => l.GetString()));

        (status, body) = await RawHttp.SendAsync(fixture.App.BaseAddress, "GET", $"{origin}/catalog/v1/{fixture.Prefix}/namespaces/rt_absolute/tables/t");
        Assert.True(status == 200, $"{status} {body}");
    }
}
