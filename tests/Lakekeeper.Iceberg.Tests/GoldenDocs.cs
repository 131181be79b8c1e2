namespace Lakekeeper.Iceberg.Tests;

/// <summary>
/// Metadata documents written from the field tables of the Iceberg table and view specs
/// (format/spec.md Appendix C, format/view-spec.md). They are in canonical, complete form, so
/// writing the parsed model back must give a semantically equal document.
/// </summary>
internal static class GoldenDocs
{
    public const string V1 = """
        {
          "format-version": 1,
          "table-uuid": "d20125c8-7284-442c-9aea-15fee620737c",
          "location": "s3://bucket/test/location",
          "last-updated-ms": 1602638573874,
          "last-column-id": 3,
          "schema": {"type": "struct", "schema-id": 0, "fields": [
            {"id": 1, "name": "x", "required": true, "type": "long"},
            {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
            {"id": 3, "name": "z", "required": true, "type": "long"}]},
          "current-schema-id": 0,
          "schemas": [{"type": "struct", "schema-id": 0, "fields": [
            {"id": 1, "name": "x", "required": true, "type": "long"},
            {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
            {"id": 3, "name": "z", "required": true, "type": "long"}]}],
          "partition-spec": [{"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000}],
          "default-spec-id": 0,
          "partition-specs": [{"spec-id": 0, "fields": [{"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000}]}],
          "last-partition-id": 1000,
          "default-sort-order-id": 0,
          "sort-orders": [{"order-id": 0, "fields": []}],
          "properties": {"owner": "root"},
          "current-snapshot-id": 3051729675574597004,
          "refs": {"main": {"snapshot-id": 3051729675574597004, "type": "branch"}},
          "snapshots": [{"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770,
            "summary": {"operation": "append"}, "manifests": ["s3://a/b/m1.avro", "s3://a/b/m2.avro"]}],
          "statistics": [],
          "partition-statistics": [],
          "snapshot-log": [{"timestamp-ms": 1515100955770, "snapshot-id": 3051729675574597004}],
          "metadata-log": []
        }
        """;

    /// <summary>An old v1 file: only the deprecated fields, no uuid, no refs, no sort orders.</summary>
    public const string V1Legacy = """
        {
          "format-version": 1,
          "location": "s3://bucket/test/location",
          "last-updated-ms": 1602638573874,
          "last-column-id": 3,
          "schema": {"type": "struct", "fields": [
            {"id": 1, "name": "x", "required": true, "type": "long"},
            {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
            {"id": 3, "name": "z", "required": true, "type": "long"}]},
          "partition-spec": [{"name": "x", "transform": "identity", "source-id": 1}],
          "properties": {},
          "current-snapshot-id": -1,
          "snapshots": []
        }
        """;

    public const string V2 = """
        {
          "format-version": 2,
          "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1",
          "location": "s3://bucket/test/location",
          "last-sequence-number": 34,
          "last-updated-ms": 1602638573590,
          "last-column-id": 3,
          "current-schema-id": 1,
          "schemas": [
            {"type": "struct", "schema-id": 0, "fields": [{"id": 1, "name": "x", "required": true, "type": "long"}]},
            {"type": "struct", "schema-id": 1, "identifier-field-ids": [1, 2], "fields": [
              {"id": 1, "name": "x", "required": true, "type": "long"},
              {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
              {"id": 3, "name": "z", "required": true, "type": "long"}]}],
          "default-spec-id": 0,
          "partition-specs": [{"spec-id": 0, "fields": [{"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000}]}],
          "last-partition-id": 1000,
          "default-sort-order-id": 3,
          "sort-orders": [{"order-id": 3, "fields": [
            {"transform": "identity", "source-id": 2, "direction": "asc", "null-order": "nulls-first"},
            {"transform": "bucket[4]", "source-id": 3, "direction": "desc", "null-order": "nulls-last"}]}],
          "properties": {"write.format.default": "avro", "commit.retry.num-retries": "4"},
          "current-snapshot-id": 3055729675574597004,
          "refs": {
            "main": {"snapshot-id": 3055729675574597004, "type": "branch"},
            "audit": {"snapshot-id": 3055729675574597004, "type": "branch", "max-ref-age-ms": 86400000, "max-snapshot-age-ms": 3600000, "min-snapshots-to-keep": 2},
            "test": {"snapshot-id": 3051729675574597004, "type": "tag", "max-ref-age-ms": 10000000}},
          "snapshots": [
            {"snapshot-id": 3051729675574597004, "sequence-number": 0, "timestamp-ms": 1515100955770,
             "summary": {"operation": "append"}, "manifest-list": "s3://a/b/1.avro"},
            {"snapshot-id": 3055729675574597004, "parent-snapshot-id": 3051729675574597004, "sequence-number": 1,
             "timestamp-ms": 1555100955770, "summary": {"operation": "append", "added-data-files": "4", "total-records": "100"},
             "manifest-list": "s3://a/b/2.avro", "schema-id": 1}],
          "statistics": [{"snapshot-id": 3055729675574597004, "statistics-path": "s3://a/b/stats.puffin",
            "file-size-in-bytes": 413, "file-footer-size-in-bytes": 42, "key-metadata": "a2V5",
            "blob-metadata": [{"type": "apache-datasketches-theta-v1", "snapshot-id": 3055729675574597004,
              "sequence-number": 1, "fields": [1], "properties": {"ndv": "3"}}]}],
          "partition-statistics": [{"snapshot-id": 3055729675574597004, "statistics-path": "s3://a/b/partition-stats.parquet", "file-size-in-bytes": 43}],
          "snapshot-log": [
            {"timestamp-ms": 1515100955770, "snapshot-id": 3051729675574597004},
            {"timestamp-ms": 1555100955770, "snapshot-id": 3055729675574597004}],
          "metadata-log": [{"timestamp-ms": 1515100955770, "metadata-file": "s3://bucket/.../v1.json"}]
        }
        """;

    public const string V3 = """
        {
          "format-version": 3,
          "table-uuid": "2cb1c1c5-8a2b-4b1e-9d1a-0a9a4f0a7c11",
          "location": "s3://bucket/v3",
          "last-sequence-number": 2,
          "last-updated-ms": 1700000000000,
          "last-column-id": 8,
          "next-row-id": 150,
          "current-schema-id": 0,
          "schemas": [{"type": "struct", "schema-id": 0, "fields": [
            {"id": 1, "name": "id", "required": true, "type": "long"},
            {"id": 2, "name": "v", "required": false, "type": "variant"},
            {"id": 3, "name": "g", "required": false, "type": "geometry(srid:4326)"},
            {"id": 4, "name": "h", "required": false, "type": "geography(srid:4326, karney)"},
            {"id": 5, "name": "ts", "required": false, "type": "timestamptz_ns"},
            {"id": 6, "name": "u", "required": false, "type": "unknown"},
            {"id": 7, "name": "n", "required": false, "type": "int", "initial-default": 34, "write-default": 35},
            {"id": 8, "name": "s", "required": false, "type": "string", "initial-default": "x\u00e9y", "write-default": null}]}],
          "default-spec-id": 1,
          "partition-specs": [
            {"spec-id": 0, "fields": []},
            {"spec-id": 1, "fields": [
              {"name": "ts_hour", "transform": "hour", "source-id": 5, "field-id": 1000},
              {"name": "z", "transform": "zorder", "source-ids": [1, 5], "field-id": 1001}]}],
          "last-partition-id": 1001,
          "default-sort-order-id": 0,
          "sort-orders": [{"order-id": 0, "fields": []}],
          "properties": {},
          "current-snapshot-id": 200,
          "refs": {"main": {"snapshot-id": 200, "type": "branch"}},
          "snapshots": [
            {"snapshot-id": 100, "sequence-number": 1, "timestamp-ms": 1699999990000,
             "summary": {"operation": "append"}, "manifest-list": "s3://bucket/v3/m1.avro", "schema-id": 0,
             "first-row-id": 0, "added-rows": 100},
            {"snapshot-id": 200, "parent-snapshot-id": 100, "sequence-number": 2, "timestamp-ms": 1699999995000,
             "summary": {"operation": "overwrite"}, "manifest-list": "s3://bucket/v3/m2.avro", "schema-id": 0,
             "first-row-id": 100, "added-rows": 50, "key-id": "k1"}],
          "statistics": [],
          "partition-statistics": [],
          "snapshot-log": [
            {"timestamp-ms": 1699999990000, "snapshot-id": 100},
            {"timestamp-ms": 1699999995000, "snapshot-id": 200}],
          "metadata-log": [],
          "encryption-keys": [
            {"key-id": "k1", "encrypted-key-metadata": "AAECAw==", "encrypted-by-id": "kms-1", "properties": {"a": "b"}},
            {"key-id": "kms-1", "encrypted-key-metadata": "BAUG"}],
          "x-vendor-extension": {"nested": [1, 2.5, {"deep": null}], "flag": true}
        }
        """;

    /// <summary>The view-spec Appendix A example (view metadata v1).</summary>
    public const string View = """
        {
          "view-uuid": "fa6506c3-7681-40c8-86dc-e36561f83385",
          "format-version": 1,
          "location": "s3://bucket/warehouse/default.db/event_agg",
          "properties": {"comment": "Daily event counts"},
          "schemas": [{"type": "struct", "schema-id": 1, "fields": [
            {"id": 1, "name": "event_count", "required": false, "type": "int", "doc": "Count of events"},
            {"id": 2, "name": "event_date", "required": false, "type": "date"}]}],
          "current-version-id": 1,
          "versions": [{
            "version-id": 1,
            "timestamp-ms": 1573518431292,
            "schema-id": 1,
            "summary": {"engine-name": "Spark", "engineVersion": "3.3.2"},
            "representations": [{"type": "sql", "sql": "SELECT\n    COUNT(1), CAST(event_ts AS DATE)\nFROM events\nGROUP BY 2", "dialect": "spark"}],
            "default-catalog": "prod",
            "default-namespace": ["default"]}],
          "version-log": [{"timestamp-ms": 1573518431292, "version-id": 1}]
        }
        """;
}
