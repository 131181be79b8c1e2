using System.Collections.Immutable;
using System.Text.Json;
using Lakekeeper.Iceberg.Json;

namespace Lakekeeper.Iceberg;

/// <summary>
/// Parses REST request bodies. Absent and <c>null</c> optional fields are treated the same; unknown
/// update actions or requirement types, malformed JSON, wrong types and out-of-range numbers are a
/// 400 failure (never an exception).
/// </summary>
public static class RestRequestJson
{
    public static Result<CreateTableRequest> ParseCreateTable(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, ReadCreateTable);

    public static Result<CommitTableRequest> ParseCommitTable(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => ReadCommitTable(ref r, requireIdentifier: false));

    public static Result<CommitTransactionRequest> ParseCommitTransaction(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, ReadCommitTransaction);

    public static Result<CreateViewRequest> ParseCreateView(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, ReadCreateView);

    public static Result<CommitViewRequest> ParseCommitView(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, ReadCommitView);

    public static Result<RegisterTableRequest> ParseRegister(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, ReadRegister);

    public static Result<RegisterViewRequest> ParseRegisterView(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) =>
        {
            var table = ReadRegister(ref r);
            return new RegisterViewRequest(table.Name, table.MetadataLocation);
        });

    public static Result<TableIdentifier> ParseTableIdentifier(ReadOnlySpan<byte> utf8Json) => JsonCore.Run(utf8Json, ReadIdentifier);

    /// <summary>Parses a single table update (one element of <c>updates</c>).</summary>
    public static Result<TableUpdate> ParseTableUpdate(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadTableUpdate(ref r));

    public static Result<TableRequirement> ParseTableRequirement(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadTableRequirement(ref r));

    public static Result<ViewUpdate> ParseViewUpdate(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadViewUpdate(ref r));

    public static Result<ViewRequirement> ParseViewRequirement(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadViewRequirement(ref r));

    public static Result<Schema> ParseSchema(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadValidSchema(ref r));

    public static Result<UnboundPartitionSpec> ParsePartitionSpec(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadPartitionSpec(ref r));

    public static Result<UnboundSortOrder> ParseSortOrder(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadSortOrder(ref r));

    public static Result<IcebergType> ParseType(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadType(ref r, "type"));

    public static Result<Snapshot> ParseSnapshot(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadSnapshot(ref r));

    public static Result<ViewVersion> ParseViewVersion(ReadOnlySpan<byte> utf8Json) =>
        JsonCore.Run(utf8Json, static (ref Utf8JsonReader r) => JsonCore.ReadViewVersion(ref r));

    private static CreateTableRequest ReadCreateTable(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "create table request");
        string? name = null, location = null;
        Schema? schema = null;
        UnboundPartitionSpec? spec = null;
        UnboundSortOrder? order = null;
        var stageCreate = false;
        var properties = StringMap.Empty;
        while (JsonCore.NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("name"u8))
            {
                name = JsonCore.ReadString(ref r, "name");
            }
            else if (prop.SequenceEqual("location"u8))
            {
                location = JsonCore.ReadNullableString(ref r, "location");
            }
            else if (prop.SequenceEqual("schema"u8))
            {
                schema = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadValidSchema(ref r);
            }
            else if (prop.SequenceEqual("partition-spec"u8))
            {
                spec = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadPartitionSpec(ref r);
            }
            else if (prop.SequenceEqual("write-order"u8))
            {
                order = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadSortOrder(ref r);
            }
            else if (prop.SequenceEqual("stage-create"u8))
            {
                stageCreate = JsonCore.ReadNullableBool(ref r, "stage-create") ?? false;
            }
            else if (prop.SequenceEqual("properties"u8))
            {
                properties = JsonCore.ReadStringMap(ref r, "properties");
            }
            else
            {
                r.Skip();
            }
        }

        return new CreateTableRequest
        {
            Name = RequireName(name),
            Location = location,
            Schema = schema ?? JsonCore.Fail<Schema>("Cannot parse missing field: schema"),
            PartitionSpec = spec,
            WriteOrder = order,
            StageCreate = stageCreate,
            Properties = properties,
        };
    }

    private static CommitTableRequest ReadCommitTable(ref Utf8JsonReader r, bool requireIdentifier)
    {
        JsonCore.ExpectObject(ref r, "commit table request");
        TableIdentifier? identifier = null;
        ImmutableArray<TableRequirement> requirements = [];
        ImmutableArray<TableUpdate>? updates = null;
        while (JsonCore.NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("identifier"u8))
            {
                identifier = r.TokenType == JsonTokenType.Null ? null : ReadIdentifier(ref r);
            }
            else if (prop.SequenceEqual("requirements"u8))
            {
                requirements = [.. TableMetadataJson.ReadList(ref r, "requirements", static (ref Utf8JsonReader x) => JsonCore.ReadTableRequirement(ref x))];
            }
            else if (prop.SequenceEqual("updates"u8))
            {
                updates = r.TokenType == JsonTokenType.Null ? null : [.. TableMetadataJson.ReadList(ref r, "updates", static (ref Utf8JsonReader x) => JsonCore.ReadTableUpdate(ref x))];
            }
            else
            {
                r.Skip();
            }
        }

        if (requireIdentifier && identifier is null)
        {
            JsonCore.Fail("Invalid table changes: table identifier is required");
        }

        return new CommitTableRequest
        {
            Identifier = identifier,
            Requirements = requirements,
            Updates = updates ?? JsonCore.Fail<ImmutableArray<TableUpdate>>("Cannot parse missing field: updates"),
        };
    }

    private static CommitTransactionRequest ReadCommitTransaction(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "commit transaction request");
        List<CommitTableRequest>? changes = null;
        while (JsonCore.NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("table-changes"u8))
            {
                changes = TableMetadataJson.ReadList(ref r, "table-changes", static (ref Utf8JsonReader x) => ReadCommitTable(ref x, requireIdentifier: true));
            }
            else
            {
                r.Skip();
            }
        }

        if (changes is null)
        {
            JsonCore.Fail("Cannot parse missing field: table-changes");
        }

        if (changes.Count == 0)
        {
            JsonCore.Fail("Invalid table changes: empty");
        }

        return new CommitTransactionRequest([.. changes]);
    }

    private static CreateViewRequest ReadCreateView(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "create view request");
        string? name = null, location = null;
        Schema? schema = null;
        ViewVersion? version = null;
        var properties = StringMap.Empty;
        while (JsonCore.NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("name"u8))
            {
                name = JsonCore.ReadString(ref r, "name");
            }
            else if (prop.SequenceEqual("location"u8))
            {
                location = JsonCore.ReadNullableString(ref r, "location");
            }
            else if (prop.SequenceEqual("schema"u8))
            {
                schema = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadValidSchema(ref r);
            }
            else if (prop.SequenceEqual("view-version"u8))
            {
                version = r.TokenType == JsonTokenType.Null ? null : JsonCore.ReadViewVersion(ref r);
            }
            else if (prop.SequenceEqual("properties"u8))
            {
                properties = JsonCore.ReadStringMap(ref r, "properties");
            }
            else
            {
                r.Skip();
            }
        }

        return new CreateViewRequest
        {
            Name = RequireName(name),
            Location = location,
            Schema = schema ?? JsonCore.Fail<Schema>("Cannot parse missing field: schema"),
            ViewVersion = version ?? JsonCore.Fail<ViewVersion>("Cannot parse missing field: view-version"),
            Properties = properties,
        };
    }

    private static CommitViewRequest ReadCommitView(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "commit view request");
        TableIdentifier? identifier = null;
        ImmutableArray<ViewRequirement> requirements = [];
        ImmutableArray<ViewUpdate>? updates = null;
        while (JsonCore.NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("identifier"u8))
            {
                identifier = r.TokenType == JsonTokenType.Null ? null : ReadIdentifier(ref r);
            }
            else if (prop.SequenceEqual("requirements"u8))
            {
                requirements = [.. TableMetadataJson.ReadList(ref r, "requirements", static (ref Utf8JsonReader x) => JsonCore.ReadViewRequirement(ref x))];
            }
            else if (prop.SequenceEqual("updates"u8))
            {
                updates = r.TokenType == JsonTokenType.Null ? null : [.. TableMetadataJson.ReadList(ref r, "updates", static (ref Utf8JsonReader x) => JsonCore.ReadViewUpdate(ref x))];
            }
            else
            {
                r.Skip();
            }
        }

        return new CommitViewRequest
        {
            Identifier = identifier,
            Requirements = requirements,
            Updates = updates ?? JsonCore.Fail<ImmutableArray<ViewUpdate>>("Cannot parse missing field: updates"),
        };
    }

    private static RegisterTableRequest ReadRegister(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "register request");
        string? name = null, location = null;
        var overwrite = false;
        while (JsonCore.NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("name"u8))
            {
                name = JsonCore.ReadString(ref r, "name");
            }
            else if (prop.SequenceEqual("metadata-location"u8))
            {
                location = JsonCore.ReadString(ref r, "metadata-location");
            }
            else if (prop.SequenceEqual("overwrite"u8))
            {
                overwrite = JsonCore.ReadNullableBool(ref r, "overwrite") ?? false;
            }
            else
            {
                r.Skip();
            }
        }

        if (string.IsNullOrEmpty(location))
        {
            JsonCore.Fail("Invalid metadata location: must not be empty");
        }

        return new RegisterTableRequest(RequireName(name), location, overwrite);
    }

    internal static TableIdentifier ReadIdentifier(ref Utf8JsonReader r)
    {
        JsonCore.ExpectObject(ref r, "table identifier");
        ImmutableArray<string>? ns = null;
        string? name = null;
        while (JsonCore.NextProperty(ref r, out var prop))
        {
            if (prop.SequenceEqual("namespace"u8))
            {
                ns = JsonCore.ReadStringArray(ref r, "namespace");
            }
            else if (prop.SequenceEqual("name"u8))
            {
                name = JsonCore.ReadString(ref r, "name");
            }
            else
            {
                r.Skip();
            }
        }

        return new TableIdentifier(
            ns ?? JsonCore.Fail<ImmutableArray<string>>("Cannot parse missing field: namespace"),
            name ?? JsonCore.Fail<string>("Cannot parse missing string: name"));
    }

    private static string RequireName(string? name)
    {
        if (name is null)
        {
            JsonCore.Fail("Cannot parse missing string: name");
        }

        if (name.Length == 0)
        {
            JsonCore.Fail("Invalid name: must not be empty");
        }

        return name;
    }
}

/// <summary>Writes updates, requirements and partial metadata objects as JSON (canonical, compact).</summary>
public static class IcebergJsonWriter
{
    public static byte[] Write(TableUpdate update) => JsonCore.WriteToArray(update, JsonCore.WriteTableUpdate, 512);

    public static byte[] Write(TableRequirement requirement) => JsonCore.WriteToArray(requirement, JsonCore.WriteTableRequirement, 128);

    public static byte[] Write(ViewUpdate update) => JsonCore.WriteToArray(update, JsonCore.WriteViewUpdate, 512);

    public static byte[] Write(ViewRequirement requirement) => JsonCore.WriteToArray(requirement, JsonCore.WriteViewRequirement, 128);

    public static byte[] Write(Schema schema) => JsonCore.WriteToArray(schema, JsonCore.WriteSchema, 1024);

    public static byte[] Write(PartitionSpec spec, int formatVersion = 2) =>
        JsonCore.WriteToArray(spec, (w, s) => JsonCore.WritePartitionSpec(w, s, formatVersion), 256);

    public static byte[] Write(SortOrder order, int formatVersion = 2) =>
        JsonCore.WriteToArray(order, (w, o) => JsonCore.WriteSortOrder(w, o.OrderId, o.Fields, formatVersion), 256);

    public static byte[] Write(Snapshot snapshot, int formatVersion = 2) =>
        JsonCore.WriteToArray(snapshot, (w, s) => JsonCore.WriteSnapshot(w, s, formatVersion), 512);

    public static byte[] Write(ViewVersion version) => JsonCore.WriteToArray(version, JsonCore.WriteViewVersion, 512);

    public static void Write(Utf8JsonWriter writer, TableUpdate update) => JsonCore.WriteTableUpdate(writer, update);

    public static void Write(Utf8JsonWriter writer, TableRequirement requirement) => JsonCore.WriteTableRequirement(writer, requirement);

    public static void Write(Utf8JsonWriter writer, Schema schema) => JsonCore.WriteSchema(writer, schema);
}
