using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Storage.Tests.Locations;

public sealed class TableLocationsTests
{
    private static readonly StorageLocation Warehouse = StorageLocation.Parse("s3://bucket/wh");
    private static readonly Guid TableId = Guid.Parse("0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f");

    [Fact]
    public void Default_location_is_namespace_levels_then_table_name()
    {
        Assert.True(TableLocations.TryDefault(Warehouse, ["sales", "eu"], "orders", TableId, unique: false, out var location, out var error), error);

        Assert.Equal("s3://bucket/wh/sales/eu/orders", location.ToString());
    }

    [Fact]
    public void Unique_default_location_ends_with_the_table_id()
    {
        Assert.True(TableLocations.TryDefault(Warehouse, ["sales"], "orders", TableId, unique: true, out var location, out var error), error);

        Assert.Equal("s3://bucket/wh/sales/orders-0195f0c4b3a87c1d9e2f3a4b5c6d7e8f", location.ToString());
    }

    [Fact]
    public void Unique_locations_of_a_recreated_name_do_not_overlap()
    {
        TableLocations.TryDefault(Warehouse, ["ns"], "t", Guid.NewGuid(), unique: true, out var first, out _);
        TableLocations.TryDefault(Warehouse, ["ns"], "t", Guid.NewGuid(), unique: true, out var second, out _);

        Assert.False(first!.Overlaps(second!));
    }

    [Fact]
    public void Odd_names_are_escaped_and_stay_inside_the_warehouse()
    {
        Assert.True(TableLocations.TryDefault(Warehouse, ["..", "a/b"], "my table", TableId, unique: false, out var location, out var error), error);

        Assert.Equal("s3://bucket/wh/_../a%2Fb/my%20table", location.ToString());
        Assert.True(location.IsStrictlyUnder(Warehouse));
    }

    [Fact]
    public void Names_that_cannot_fit_are_reported_not_thrown()
    {
        var file = StorageLocation.Parse("file:///srv/wh");

        Assert.False(TableLocations.TryDefault(file, ["ns"], new string('t', 240), TableId, unique: true, out _, out var error));
        Assert.Contains("255 bytes", error, StringComparison.Ordinal);
        Assert.False(TableLocations.TryDefault(file, [], "t", TableId, unique: true, out _, out _));
        Assert.False(TableLocations.TryDefault(file, ["ns"], "", TableId, unique: true, out _, out _));
    }

    [Fact]
    public void Metadata_files_use_the_iceberg_naming_pattern()
    {
        var table = StorageLocation.Parse("s3://bucket/wh/ns/t");
        var id = Guid.Parse("11111111-2222-3333-4444-555555555555");

        Assert.Equal(
            "s3://bucket/wh/ns/t/metadata/00007-11111111-2222-3333-4444-555555555555.metadata.json",
            TableLocations.MetadataFile(table, 7, id).ToString());
    }
}
