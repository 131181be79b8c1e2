using System.Text;

namespace Lakekeeper.Iceberg.Tests;

public sealed class MetadataFilesTests
{
    private static readonly Guid FileUuid = Guid.Parse("1b5c2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");

    [Fact]
    public void Table_files_are_numbered_from_00000_under_metadata()
    {
        var m = Tables.Create();
        Assert.Equal($"{Tables.BaseLocation}/metadata/00000-{FileUuid}.metadata.json", MetadataFiles.NextTableMetadataLocation(m, null, FileUuid));
        Assert.Equal($"{Tables.BaseLocation}/metadata/00042-{FileUuid}.metadata.json", MetadataFiles.NextTableMetadataLocation(m, "s3://x/metadata/00041-abc.metadata.json", FileUuid));
        Assert.Equal($"{Tables.BaseLocation}/metadata/00008-{FileUuid}.metadata.json", MetadataFiles.NextTableMetadataLocation(m, "s3://x/v7.metadata.json", FileUuid));
        Assert.Equal($"{Tables.BaseLocation}/metadata/00000-{FileUuid}.metadata.json", MetadataFiles.NextTableMetadataLocation(m, "s3://x/custom.json", FileUuid));
        Assert.Matches("/metadata/00000-[0-9a-f-]{36}\\.metadata\\.json$", MetadataFiles.NextTableMetadataLocation(m, null));
        Assert.NotEqual(MetadataFiles.NextTableMetadataLocation(m, null), MetadataFiles.NextTableMetadataLocation(m, null));
    }

    [Fact]
    public void Gzip_codec_and_custom_metadata_path_are_honoured()
    {
        var m = Tables.Create(properties: StringMap.Of(("write.metadata.compression-codec", "GZIP"), ("write.metadata.path", "s3://meta/here/")));
        Assert.True(MetadataFiles.UseGzip(m));
        Assert.Equal($"s3://meta/here/00001-{FileUuid}.gz.metadata.json", MetadataFiles.NextTableMetadataLocation(m, "s3://meta/here/00000-a.gz.metadata.json", FileUuid));
    }

    [Fact]
    public void Views_default_to_gzip()
    {
        var view = Json.ParseView(GoldenDocs.View);
        Assert.True(MetadataFiles.UseGzip(view));
        Assert.Equal($"s3://bucket/warehouse/default.db/event_agg/metadata/00000-{FileUuid}.gz.metadata.json", MetadataFiles.NextViewMetadataLocation(view, null, FileUuid));
        var plain = Changed(view, StringMap.Of(("write.metadata.compression-codec", "none")));
        Assert.Equal($"s3://bucket/warehouse/default.db/event_agg/metadata/00003-{FileUuid}.metadata.json", MetadataFiles.NextViewMetadataLocation(plain, "s3://b/00002-x.gz.metadata.json", FileUuid));
    }

    private static ViewMetadata Changed(ViewMetadata view, StringMap properties) =>
        Assert.IsType<CommitOutcome<ViewMetadata>.Changed>(ViewCommitEngine.Commit(view, null, [], [new ViewUpdate.SetProperties(properties)], Tables.Now), exactMatch: true).Metadata;

    [Theory]
    [InlineData("s3://b/t/metadata/00000-1b5c2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.metadata.json", 0)]
    [InlineData("s3://b/t/metadata/00123-uuid.gz.metadata.json", 123)]
    [InlineData("s3://b/t/metadata/00007-uuid.metadata.json.gz", 7)]
    [InlineData("s3://b/t/metadata/v12.metadata.json", 12)]
    [InlineData("v3.gz.metadata.json", 3)]
    [InlineData("/abs/100000-uuid.metadata.json", 100000)]
    [InlineData("s3://b/t/metadata/snap-123-uuid.avro", null)]
    [InlineData("s3://b/t/metadata/abc-uuid.metadata.json", null)]
    [InlineData("s3://b/t/metadata/vx.metadata.json", null)]
    [InlineData("s3://b/t/metadata/99999999999-uuid.metadata.json", null)]
    [InlineData("s3://b/t/metadata/", null)]
    public void Versions_are_parsed_from_file_names(string location, int? version) =>
        Assert.Equal(version, MetadataFiles.ParseVersion(location));

    [Theory]
    [InlineData("a/00001-x.gz.metadata.json", true)]
    [InlineData("a/00001-x.metadata.json.gz", true)]
    [InlineData("a/00001-x.metadata.json", false)]
    public void Gzip_names_are_recognized(string location, bool gzip) => Assert.Equal(gzip, MetadataFiles.IsGzip(location));

    [Fact]
    public void Encode_and_decode_round_trip()
    {
        var json = TableMetadataJson.Write(Json.ParseTable(GoldenDocs.V2));
        var compressed = MetadataFiles.Encode(json, gzip: true);
        Assert.Equal(0x1f, compressed[0]);
        Assert.True(compressed.Length < json.Length);
        Assert.Equal(json, Json.Ok(MetadataFiles.Decode(compressed, "x.gz.metadata.json")));
        Assert.Same(json, MetadataFiles.Encode(json, gzip: false));
        Assert.Equal(json, Json.Ok(MetadataFiles.Decode(json, "x.gz.metadata.json")));
    }

    [Fact]
    public void Corrupt_or_oversized_gzip_is_a_400()
    {
        var corrupt = new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
        var error = Json.Fails(MetadataFiles.Decode(corrupt, "s3://b/x.gz.metadata.json"));
        Assert.Equal(400, error.Code);
        Assert.StartsWith("Cannot decompress metadata file s3://b/x.gz.metadata.json", error.Message, StringComparison.Ordinal);
        var big = MetadataFiles.Encode(Encoding.UTF8.GetBytes(new string(' ', 100_000)), gzip: true);
        Assert.Equal("Metadata file f is larger than 1000 bytes when decompressed", Json.Fails(MetadataFiles.Decode(big, "f", maxDecompressedBytes: 1000)).Message);
    }
}
