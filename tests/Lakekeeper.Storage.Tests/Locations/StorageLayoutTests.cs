using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.Tests.Locations;

/// <summary>Lakekeeper's <c>storage-layout</c>: its JSON shape, the template checks, and the locations it gives.</summary>
public sealed class StorageLayoutTests
{
    private static readonly StorageLocation Warehouse = StorageLocation.Parse("s3://bucket/wh");
    private static readonly Guid TableId = Guid.Parse("0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f");
    private static readonly Guid SalesId = Guid.Parse("11111111-2222-3333-4444-555555555555");
    private static readonly Guid EuId = Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    private static readonly NamespaceSegment[] SalesEu = [new("sales", SalesId), new("eu", EuId)];

    private static StorageLocation Locate(StorageLayout layout, IReadOnlyList<NamespaceSegment> path, string name)
    {
        Assert.Empty(layout.Validate());
        Assert.True(TableLocations.TryFromLayout(Warehouse, layout, path, name, TableId, out var location, out var error), error);
        Assert.True(location.IsStrictlyUnder(Warehouse));
        return location;
    }

    [Fact]
    public void Default_is_flat_with_the_table_id_as_lakekeeper_writes_it()
    {
        Assert.Equal("s3://bucket/wh/0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f", Locate(StorageLayout.Default(), SalesEu, "orders").ToString());
        Assert.True(StorageLayout.Default().TabularLocationsAreUnique);
    }

    [Fact]
    public void Full_hierarchy_has_a_folder_per_namespace_level_from_the_top()
    {
        var layout = StorageLayout.FullHierarchy("{name}-{uuid}", "{name}-{uuid}");

        Assert.Equal(
            "s3://bucket/wh/sales-11111111-2222-3333-4444-555555555555/eu-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/orders-0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f",
            Locate(layout, SalesEu, "orders").ToString());
        Assert.True(layout.NeedsNamespaceIds);
    }

    [Fact]
    public void Full_hierarchy_with_names_only_needs_no_namespace_ids_and_is_not_unique()
    {
        var layout = StorageLayout.FullHierarchy("ns_{name}", "{name}");

        Assert.Equal("s3://bucket/wh/ns_sales/ns_eu/orders", Locate(layout, [new("sales", Guid.Empty), new("eu", Guid.Empty)], "orders").ToString());
        Assert.False(layout.NeedsNamespaceIds);
        Assert.False(layout.TabularLocationsAreUnique);
    }

    [Fact]
    public void Tabular_only_has_no_namespace_folders()
    {
        Assert.Equal("s3://bucket/wh/orders-0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f.tbl",
            Locate(StorageLayout.TabularOnly("{name}-{uuid}.tbl"), SalesEu, "orders").ToString());
        Assert.Equal("s3://bucket/wh/0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f", Locate(StorageLayout.TabularOnly("{uuid}"), [], "orders").ToString());
    }

    [Theory]
    [InlineData("my table", "my%20table")]
    [InlineData("Ünïcødé_日本", "Ünïcødé_日本")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("..", "_..")]
    [InlineData("../x", "_..%2Fx")]
    [InlineData("50%", "50%25")]
    [InlineData("{uuid}", "%7Buuid%7D")]
    [InlineData("q?#", "q%3F%23")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Names_are_escaped_like_every_other_location_segment(string name, string segment)
    {
        var layout = StorageLayout.FullHierarchy("{name}", "{name}-{uuid}");

        var location = Locate(layout, [new(name, SalesId)], name);

        Assert.Equal($"s3://bucket/wh/{segment}/{segment}-0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f", location.ToString());
        Assert.Equal(segment, LocationNames.Escape(name));
    }

    [Fact]
    public void Same_name_gives_distinct_locations_only_when_the_template_has_the_uuid()
    {
        var unique = StorageLayout.TabularOnly("{name}-{uuid}");
        TableLocations.TryFromLayout(Warehouse, unique, [], "t", Guid.NewGuid(), out var first, out _);
        TableLocations.TryFromLayout(Warehouse, unique, [], "t", Guid.NewGuid(), out var second, out _);
        Assert.False(first!.Overlaps(second!));

        var byName = StorageLayout.FullHierarchy("{name}", "{name}");
        TableLocations.TryFromLayout(Warehouse, byName, [new("ns", Guid.Empty)], "t", Guid.NewGuid(), out var third, out _);
        TableLocations.TryFromLayout(Warehouse, byName, [new("ns", Guid.Empty)], "t", Guid.NewGuid(), out var fourth, out _);
        Assert.Equal(third, fourth);
    }

    [Fact]
    public void Locations_that_cannot_be_made_are_reported_not_thrown()
    {
        var file = StorageLocation.Parse("file:///srv/wh");
        var layout = StorageLayout.FullHierarchy("{name}", "{name}-{uuid}");

        Assert.False(TableLocations.TryFromLayout(file, layout, [new("ns", SalesId)], new string('t', 240), TableId, out _, out var error));
        Assert.Contains("255 bytes", error, StringComparison.Ordinal);
        Assert.False(TableLocations.TryFromLayout(file, layout, [], "t", TableId, out _, out error));
        Assert.Contains("namespace", error, StringComparison.Ordinal);
        Assert.False(TableLocations.TryFromLayout(file, layout, [new("ns", SalesId)], "", TableId, out _, out _));
    }

    [Theory]
    [InlineData("""{"type":"default"}""")]
    [InlineData("""{"type":"full-hierarchy","namespace":"{name}-{uuid}","tabular":"{name}-{uuid}"}""")]
    [InlineData("""{"type":"full-hierarchy","namespace":"{uuid}","tabular":"{name}"}""")]
    [InlineData("""{"type":"tabular-only","tabular":"{name}-{uuid}"}""")]
    public void Lakekeepers_json_round_trips_as_given(string layout)
    {
        var json = """{"type":"s3","bucket":"lake","region":"eu-central-1","storage-layout":""" + layout + "}";

        Assert.True(StorageJson.TryDeserializeProfile(json, out var profile, out var error), error);
        Assert.Empty(profile.Validate());
        Assert.NotNull(profile.Layout);
        Assert.Contains("\"storage-layout\":" + layout, StorageJson.Serialize(profile), StringComparison.Ordinal);
        Assert.True(StorageJson.TryDeserializeProfile(StorageJson.Serialize(profile), out var again, out _));
        Assert.Equal(profile, again);
    }

    [Fact]
    public void Absent_or_null_keeps_this_servers_layout()
    {
        Assert.True(StorageJson.TryDeserializeProfile("""{"type":"s3","bucket":"lake","region":"eu-central-1","storage-layout":null}""", out var profile, out var error), error);
        Assert.Null(profile.Layout);
        Assert.DoesNotContain("storage-layout", StorageJson.Serialize(profile), StringComparison.Ordinal);
        Assert.Null(new FileStorageProfile { Root = "/srv/wh" }.Layout);
    }

    [Theory]
    [InlineData("""{"type":"flat"}""", "unknown type 'flat'")]
    [InlineData("""{"type":"parent-namespace-and-tabular","namespace":"{uuid}","tabular":"{uuid}"}""", "unknown type 'parent-namespace-and-tabular'")]
    [InlineData("""{"namespace":"{uuid}"}""", "'type' is required")]
    [InlineData("""{"type":"default","tabular":"{uuid}"}""", "takes no templates")]
    [InlineData("""{"type":"full-hierarchy","tabular":"{uuid}"}""", "needs 'namespace' and 'tabular'")]
    [InlineData("""{"type":"tabular-only"}""", "needs a 'tabular' template")]
    [InlineData("""{"type":"tabular-only","namespace":"{uuid}","tabular":"{uuid}"}""", "leave 'namespace' out")]
    [InlineData("""{"type":"tabular-only","table":"{uuid}"}""", "unknown field 'table'")]
    [InlineData("""{"type":"tabular-only","tabular":5}""", "'tabular' must be a string")]
    [InlineData("""{"type":"default","type":"default"}""", "given twice")]
    [InlineData("\"default\"", "must be an object")]
    public void A_malformed_layout_is_refused_naming_the_field(string layout, string message)
    {
        var json = """{"type":"s3","bucket":"lake","region":"eu-central-1","storage-layout":""" + layout + "}";

        Assert.False(StorageJson.TryDeserializeProfile(json, out _, out var error));
        Assert.Contains("storage-layout", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{name}", "{name}", "tabular", "must contain {uuid} in the tabular-only layout")]
    [InlineData("{name}", "static", "tabular", "must contain {uuid} or {name}")]
    [InlineData("{name}", "..", "tabular", "'..' segment")]
    [InlineData("{name}", "a/{uuid}", "tabular", "must not contain '/'")]
    [InlineData("{name}", "a\\{uuid}", "tabular", "must not contain '/'")]
    [InlineData("{name}", "{id}-{uuid}", "tabular", "unknown placeholder")]
    [InlineData("{name}", "{uuid", "tabular", "unknown placeholder")]
    [InlineData("{name}", "my {uuid}", "tabular", "contains ' '")]
    [InlineData("{name}", "50%{uuid}", "tabular", "contains '%'")]
    [InlineData("{name}", "", "tabular", "must not be empty")]
    [InlineData("ns/{name}", "{uuid}", "namespace", "must not contain '/'")]
    [InlineData(".", "{uuid}", "namespace", "'..' segment")]
    [InlineData("x?{uuid}", "{uuid}", "namespace", "contains '?'")]
    public void A_template_that_could_not_make_a_safe_segment_is_refused_naming_the_field(string ns, string tabular, string field, string message)
    {
        // The tabular-only case checks the uuid rule; the others use full hierarchy, which takes name-only templates.
        var layout = message.Contains("tabular-only", StringComparison.Ordinal)
            ? StorageLayout.TabularOnly(tabular)
            : StorageLayout.FullHierarchy(ns, tabular);
        var profile = new S3StorageProfile { Bucket = "lake", Region = "eu-central-1", StorageLayout = layout };

        var error = Assert.Single(profile.Validate());

        Assert.StartsWith($"storage-layout.{field}: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_longer_than_the_limit_is_refused()
    {
        var layout = StorageLayout.TabularOnly(new string('a', StorageLayout.MaxTemplateLength) + "{uuid}");

        Assert.Contains(layout.Validate(), e => e.Contains("longer than", StringComparison.Ordinal));
    }

    [Fact]
    public void Rendered_segments_never_contain_a_separator_or_a_dot_segment_whatever_the_name()
    {
        var layout = StorageLayout.FullHierarchy("{name}", "{name}");
        string[] hostile = ["/", "//", "\\", ".", "..", "...", "a/../b", "%2e%2e", "\u0000", "\ud800", " ", "{name}", "~", "._."];
        foreach (var name in hostile)
        {
            Assert.True(TableLocations.TryFromLayout(Warehouse, layout, [new(name, SalesId)], name, TableId, out var location, out var error), $"{name}: {error}");
            Assert.True(location.IsStrictlyUnder(Warehouse));
            Assert.Equal(2, location.RelativeTo(Warehouse)!.Split('/').Length);
        }
    }
}
