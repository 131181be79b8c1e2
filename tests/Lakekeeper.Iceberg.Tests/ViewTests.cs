using System.Text.Json.Nodes;

namespace Lakekeeper.Iceberg.Tests;

public sealed class ViewTests
{
    private static readonly Guid ViewUuid = Guid.Parse("fa6506c3-7681-40c8-86dc-e36561f83385");
    private const string Location = "s3://bucket/wh/ns/v";
    private const long Now = Tables.Now;

    private static ViewVersion Version(int id, string sql, long ts, int schemaId = -1, params (string Dialect, string Sql)[] more) => new()
    {
        VersionId = id,
        TimestampMs = ts,
        SchemaId = schemaId,
        Summary = StringMap.Of(("engine-name", "spark")),
        Representations = [new SqlViewRepresentation(sql, "spark"), .. more.Select(m => (ViewRepresentation)new SqlViewRepresentation(m.Sql, m.Dialect))],
        DefaultNamespace = ["ns"],
    };

    private static Schema ViewSchema(int id = 5, string column = "x") => new(id, NestedField.Optional(1, column, PrimitiveType.Int));

    private static ViewMetadata Create(params (string Dialect, string Sql)[] more)
    {
        var request = new CreateViewRequest
        {
            Name = "v",
            Schema = ViewSchema(),
            ViewVersion = Version(7, "select 1", Now - 1000, 5, more),
            Properties = StringMap.Of(("comment", "c")),
        };
        return Json.Ok(ViewCommitEngine.CreateView(request, Location + "/", ViewUuid, Now - 1000));
    }

    private static ViewMetadata Changed(CommitOutcome<ViewMetadata> outcome)
    {
        Assert.False(outcome.IsFailed, $"commit failed: {outcome.ErrorOrDefault}");
        return Assert.IsType<CommitOutcome<ViewMetadata>.Changed>(outcome, exactMatch: true).Metadata;
    }

    private static IcebergError Failed(CommitOutcome<ViewMetadata> outcome) =>
        Assert.IsType<CommitOutcome<ViewMetadata>.Failed>(outcome, exactMatch: true).Error;

    private static CommitOutcome<ViewMetadata> Commit(ViewMetadata current, params ViewUpdate[] updates) =>
        ViewCommitEngine.Commit(current, "s3://bucket/wh/ns/v/metadata/00000-x.gz.metadata.json", [new ViewRequirement.AssertViewUuid(current.ViewUuid.ToString())], updates, Now);

    private static CommitOutcome<ViewMetadata> Replace(ViewMetadata current, ViewVersion version, Schema? schema = null) =>
        Commit(current, [.. (schema is null ? Array.Empty<ViewUpdate>() : [new ViewUpdate.AddSchema(schema)]), new ViewUpdate.AddViewVersion(version), new ViewUpdate.SetCurrentViewVersion(-1)]);

    [Fact]
    public void The_view_spec_example_round_trips()
    {
        var view = Json.ParseView(GoldenDocs.View);
        Json.AssertSemanticallyEqual(GoldenDocs.View, Json.Str(ViewMetadataJson.Write(view)));
        Json.AssertCanonicalStable(view);
        Assert.Equal(1, view.CurrentVersion.SchemaId);
        Assert.Equal("prod", view.CurrentVersion.DefaultCatalog);
        Assert.Equal("Daily event counts", view.Properties["comment"]);
        Assert.Equal("event_count", view.CurrentSchema.Fields[0].Name);
    }

    [Fact]
    public void Invalid_view_documents_are_400()
    {
        var node = JsonNode.Parse(GoldenDocs.View)!.AsObject();
        node["format-version"] = 2;
        Assert.Equal("Cannot read unsupported version 2", Json.Fails(ViewMetadataJson.Parse(Json.Utf8(node.ToJsonString()))).Message);
        node = JsonNode.Parse(GoldenDocs.View)!.AsObject();
        node["current-version-id"] = 9;
        Assert.Equal("Invalid view metadata: cannot find current version 9 in versions", Json.Fails(ViewMetadataJson.Parse(Json.Utf8(node.ToJsonString()))).Message);
        node = JsonNode.Parse(GoldenDocs.View)!.AsObject();
        node.Remove("version-log");
        Assert.Equal("Cannot parse missing field: version-log", Json.Fails(ViewMetadataJson.Parse(Json.Utf8(node.ToJsonString()))).Message);
    }

    [Fact]
    public void Unknown_representations_and_fields_are_preserved()
    {
        var node = JsonNode.Parse(GoldenDocs.View)!.AsObject();
        node["versions"]![0]!["representations"]!.AsArray().Add(JsonNode.Parse("""{"type":"substrait","plan":"AAEC"}"""));
        node["current-schema-id"] = 1;
        var view = Json.ParseView(node.ToJsonString());
        var unknown = Assert.IsType<UnknownViewRepresentation>(view.CurrentVersion.Representations[1]);
        Assert.Equal("substrait", unknown.Type);
        Assert.Equal("current-schema-id", Assert.Single(view.ExtraFields).Key);
        Json.AssertSemanticallyEqual(node.ToJsonString(), Json.Str(ViewMetadataJson.Write(view)));
    }

    [Fact]
    public void Create_view_assigns_schema_0_version_1_and_one_log_entry()
    {
        var view = Create();
        Assert.Equal(ViewUuid, view.ViewUuid);
        Assert.Equal(Location, view.Location);
        Assert.Equal(0, Assert.Single(view.Schemas).SchemaId);
        var version = Assert.Single(view.Versions);
        Assert.Equal((1, 0), (version.VersionId, version.SchemaId));
        Assert.Equal(1, view.CurrentVersionId);
        Assert.Equal(new ViewHistoryEntry(Now - 1000, 1), Assert.Single(view.VersionLog));
        Assert.Equal("c", view.Properties["comment"]);
        Json.AssertCanonicalStable(view);
    }

    [Fact]
    public void Create_view_with_a_duplicate_dialect_is_an_illegal_argument()
    {
        var request = new CreateViewRequest { Name = "v", Schema = ViewSchema(), ViewVersion = Version(1, "select 1", Now, 5, ("Spark", "select 2")) };
        var error = Json.Fails(ViewCommitEngine.CreateView(request, Location, ViewUuid, Now));
        Assert.Equal((400, "IllegalArgumentException"), (error.Code, error.Type));
        Assert.Equal("Invalid view version: Cannot add multiple queries for dialect spark", error.Message);
    }

    [Fact]
    public void Assert_view_uuid_mismatch_is_409()
    {
        var view = Create();
        var error = Failed(ViewCommitEngine.Commit(view, null, [new ViewRequirement.AssertViewUuid("00000000-0000-0000-0000-000000000009")], [new ViewUpdate.SetLocation("s3://x")], Now));
        Assert.Equal((409, "CommitFailedException"), (error.Code, error.Type));
        Assert.Equal("Requirement failed: view UUID does not match: expected fa6506c3-7681-40c8-86dc-e36561f83385 != 00000000-0000-0000-0000-000000000009", error.Message);
        Changed(ViewCommitEngine.Commit(view, null, [new ViewRequirement.AssertViewUuid("FA6506C3-7681-40C8-86DC-E36561F83385")], [new ViewUpdate.SetLocation("s3://x")], Now));
    }

    [Fact]
    public void Replace_adds_a_schema_and_bumps_a_colliding_version_id()
    {
        var view = Create();
        var replaced = Changed(Replace(view, Version(1, "select 2", Now - 10), ViewSchema(9, "y")));
        Assert.Equal([0, 1], replaced.Schemas.Select(s => s.SchemaId));
        Assert.Equal(2, replaced.CurrentVersionId);
        Assert.Equal(1, replaced.CurrentVersion.SchemaId);
        Assert.Equal([1, 2], replaced.VersionLog.Select(e => e.VersionId));
        Assert.Equal(Now - 10, replaced.VersionLog[^1].TimestampMs);
    }

    [Fact]
    public void Concurrent_replace_with_the_same_version_id_is_stored_as_the_next_id()
    {
        var view = Create();
        var first = Changed(Replace(view, Version(2, "select 2", Now - 10, 0)));
        var second = Changed(Replace(first, Version(2, "select 3", Now - 5, 0)));
        Assert.Equal([1, 2, 3], second.Versions.Select(v => v.VersionId));
        Assert.Equal(3, second.CurrentVersionId);
    }

    [Fact]
    public void Re_adding_an_existing_version_reuses_it_and_logs_the_commit_time()
    {
        var view = Create();
        var replaced = Changed(Replace(view, Version(2, "select 2", Now - 10, 0)));
        var back = Changed(Commit(replaced, new ViewUpdate.AddViewVersion(Version(9, "select 1", Now - 1, 0)), new ViewUpdate.SetCurrentViewVersion(1)));
        Assert.Equal(2, back.Versions.Length);
        Assert.Equal(1, back.CurrentVersionId);
        Assert.Equal(new ViewHistoryEntry(Now, 1), back.VersionLog[^1]);
        Assert.Equal("Cannot set last added version: no version has been added",
            Failed(Commit(replaced, new ViewUpdate.AddViewVersion(Version(9, "select 1", Now - 1, 0)), new ViewUpdate.SetCurrentViewVersion(-1))).Message);
    }

    [Fact]
    public void Property_and_location_updates_do_not_add_versions()
    {
        var view = Create();
        var props = Changed(Commit(view, new ViewUpdate.SetProperties(StringMap.Of(("k", "v"))), new ViewUpdate.RemoveProperties(["comment"])));
        Assert.Equal(StringMap.Of(("k", "v")), props.Properties);
        Assert.Single(props.Versions);
        Assert.Single(props.VersionLog);
        var moved = Changed(Commit(props, new ViewUpdate.SetLocation("s3://elsewhere")));
        Assert.Equal("s3://elsewhere", moved.Location);
        Assert.Single(moved.VersionLog);
        Assert.IsType<CommitOutcome<ViewMetadata>.Unchanged>(Commit(moved, new ViewUpdate.SetLocation("s3://elsewhere"), new ViewUpdate.SetCurrentViewVersion(1)), exactMatch: true);
    }

    [Fact]
    public void Old_versions_expire_to_the_history_size_and_the_log_is_trimmed()
    {
        var view = Changed(Commit(Create(), new ViewUpdate.SetProperties(StringMap.Of(("version.history.num-entries", "2")))));
        for (var i = 2; i <= 5; i++)
        {
            view = Changed(Replace(view, Version(i, $"select {i}", Now - 100 + i, 0)));
        }

        Assert.Equal([4, 5], view.Versions.Select(v => v.VersionId));
        Assert.Equal([4, 5], view.VersionLog.Select(e => e.VersionId));
        Assert.Equal(5, view.CurrentVersionId);

        var bad = Failed(Commit(view, new ViewUpdate.SetProperties(StringMap.Of(("version.history.num-entries", "0")))));
        Assert.Equal("version.history.num-entries must be positive but was 0", bad.Message);
    }

    [Fact]
    public void Dropping_a_dialect_is_refused_unless_allowed()
    {
        var view = Create(("trino", "select 1"));
        var error = Failed(Replace(view, Version(2, "select 2", Now, 0)));
        Assert.Equal(400, error.Code);
        Assert.Equal("Cannot replace view due to loss of view dialects (replace.drop-dialect.allowed=false):\nPrevious dialects: [spark, trino]\nNew dialects: [spark]", error.Message);
        var allowed = Changed(Commit(view, new ViewUpdate.SetProperties(StringMap.Of(("replace.drop-dialect.allowed", "true"))), new ViewUpdate.AddViewVersion(Version(2, "select 2", Now, 0)), new ViewUpdate.SetCurrentViewVersion(-1)));
        Assert.Equal(2, allowed.CurrentVersionId);
        Changed(Replace(view, Version(2, "select 2", Now, 0, ("TRINO", "select 2"))));
    }

    [Fact]
    public void View_update_errors()
    {
        var view = Create();
        Assert.Equal("Cannot reassign uuid", Failed(Commit(view, new ViewUpdate.AssignUuid(Guid.NewGuid()))).Message);
        Assert.IsType<CommitOutcome<ViewMetadata>.Unchanged>(Commit(view, new ViewUpdate.AssignUuid(ViewUuid), new ViewUpdate.UpgradeFormatVersion(1)), exactMatch: true);
        Assert.Equal("Cannot upgrade view to unsupported format version: v2 (supported: v1)", Failed(Commit(view, new ViewUpdate.UpgradeFormatVersion(2))).Message);
        Assert.Equal("Cannot set current version to unknown version: 8", Failed(Commit(view, new ViewUpdate.SetCurrentViewVersion(8))).Message);
        Assert.Equal("Cannot set last added schema: no schema has been added", Failed(Commit(view, new ViewUpdate.AddViewVersion(Version(2, "select 9", Now)))).Message);
        Assert.Equal("Cannot add version with unknown schema: 4", Failed(Commit(view, new ViewUpdate.AddViewVersion(Version(2, "select 9", Now, 4)))).Message);
        Assert.Equal("Invalid view version: Cannot add multiple queries for dialect spark",
            Failed(Commit(view, new ViewUpdate.AddViewVersion(Version(2, "a", Now, 0, ("spark", "b"))))).Message);
    }

    [Fact]
    public void Identical_schemas_are_reused_for_views()
    {
        var view = Create();
        var replaced = Changed(Replace(view, Version(2, "select 2", Now), ViewSchema(3)));
        Assert.Single(replaced.Schemas);
        Assert.Equal(0, replaced.CurrentVersion.SchemaId);
    }
}
