namespace Lakekeeper.Iceberg.Tests;

/// <summary>Golden tests driven by the pinned OpenAPI file (read from the repo copy in the test output).</summary>
public sealed class OpenApiGoldenTests
{
    private static readonly string[] TableUpdateSchemas = OpenApiSpec.Instance.Schema("TableUpdate")["anyOf"].AllNodes
        .OfType<YamlDotNet.RepresentationModel.YamlScalarNode>().Select(n => n.Value!).Where(v => v.StartsWith("#/", StringComparison.Ordinal))
        .Select(v => v[(v.LastIndexOf('/') + 1)..]).ToArray();

    private static readonly string[] ViewUpdateSchemas = OpenApiSpec.Instance.Schema("ViewUpdate")["anyOf"].AllNodes
        .OfType<YamlDotNet.RepresentationModel.YamlScalarNode>().Select(n => n.Value!).Where(v => v.StartsWith("#/", StringComparison.Ordinal))
        .Select(v => v[(v.LastIndexOf('/') + 1)..]).ToArray();

    private static readonly string[] TableRequirementSchemas = ((YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)OpenApiSpec.Instance.Schema("TableRequirement")["discriminator"])["mapping"])
        .Children.Values.Select(v => ((YamlDotNet.RepresentationModel.YamlScalarNode)v).Value!).Select(v => v[(v.LastIndexOf('/') + 1)..]).ToArray();

    public static TheoryData<string> TableUpdates => [.. TableUpdateSchemas];

    public static TheoryData<string> ViewUpdates => [.. ViewUpdateSchemas];

    public static TheoryData<string> TableRequirements => [.. TableRequirementSchemas];

    [Fact]
    public void The_pinned_spec_defines_23_table_updates_8_view_updates_and_8_requirements()
    {
        Assert.Equal(23, TableUpdateSchemas.Length);
        Assert.Equal(8, ViewUpdateSchemas.Length);
        Assert.Equal(8, TableRequirementSchemas.Length);
    }

    [Theory]
    [MemberData(nameof(TableUpdates))]
    public void Every_table_update_schema_parses_and_round_trips(string schemaName)
    {
        foreach (var full in new[] { false, true })
        {
            var json = OpenApiSpec.Instance.Generate(schemaName, full)!.ToJsonString();
            var update = Json.Ok(RestRequestJson.ParseTableUpdate(Json.Utf8(json)));
            var constAction = OpenApiSpec.ToJson(((YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)OpenApiSpec.Instance.Schema(schemaName)["properties"])["action"])["const"])!.GetValue<string>();
            Assert.Equal(constAction, update.Action);
            var written = IcebergJsonWriter.Write(update);
            Assert.Equal(update, Json.Ok(RestRequestJson.ParseTableUpdate(written)));
            Assert.Equal(Json.Str(written), Json.Str(IcebergJsonWriter.Write(Json.Ok(RestRequestJson.ParseTableUpdate(written)))));
        }
    }

    [Theory]
    [MemberData(nameof(ViewUpdates))]
    public void Every_view_update_schema_parses_and_round_trips(string schemaName)
    {
        foreach (var full in new[] { false, true })
        {
            var json = OpenApiSpec.Instance.Generate(schemaName, full)!.ToJsonString();
            var update = Json.Ok(RestRequestJson.ParseViewUpdate(Json.Utf8(json)));
            var written = IcebergJsonWriter.Write(update);
            Assert.Equal(update, Json.Ok(RestRequestJson.ParseViewUpdate(written)));
        }
    }

    [Theory]
    [MemberData(nameof(TableRequirements))]
    public void Every_table_requirement_schema_parses_and_round_trips(string schemaName)
    {
        foreach (var full in new[] { false, true })
        {
            var json = OpenApiSpec.Instance.Generate(schemaName, full)!.ToJsonString();
            var requirement = Json.Ok(RestRequestJson.ParseTableRequirement(Json.Utf8(json)));
            var written = IcebergJsonWriter.Write(requirement);
            Assert.Equal(requirement, Json.Ok(RestRequestJson.ParseTableRequirement(written)));
        }
    }

    [Fact]
    public void The_view_requirement_schema_parses()
    {
        var json = OpenApiSpec.Instance.Generate("AssertViewUUID", full: true)!.ToJsonString();
        var requirement = Assert.IsType<ViewRequirement.AssertViewUuid>(Json.Ok(RestRequestJson.ParseViewRequirement(Json.Utf8(json))));
        Assert.Equal("d20125c8-7284-442c-9aea-15fee620737c", requirement.Uuid);
    }

    [Fact]
    public void Request_schemas_generated_from_the_spec_parse()
    {
        var spec = OpenApiSpec.Instance;
        foreach (var full in new[] { false, true })
        {
            var create = Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8(spec.Generate("CreateTableRequest", full)!.ToJsonString())));
            Assert.Equal("string", create.Name);
            var commit = Json.Ok(RestRequestJson.ParseCommitTable(Json.Utf8(spec.Generate("CommitTableRequest", full)!.ToJsonString())));
            Assert.Single(commit.Updates);
            Json.Ok(RestRequestJson.ParseCreateView(Json.Utf8(spec.Generate("CreateViewRequest", full)!.ToJsonString())));
            Json.Ok(RestRequestJson.ParseCommitView(Json.Utf8(spec.Generate("CommitViewRequest", full)!.ToJsonString())));
            var register = Json.Ok(RestRequestJson.ParseRegister(Json.Utf8(spec.Generate("RegisterTableRequest", full)!.ToJsonString())));
            Assert.Equal(full, register.Overwrite);
            Json.Ok(RestRequestJson.ParseRegisterView(Json.Utf8(spec.Generate("RegisterViewRequest", full)!.ToJsonString())));
        }

        var transaction = Json.Ok(RestRequestJson.ParseCommitTransaction(Json.Utf8(spec.Generate("CommitTransactionRequest", full: true)!.ToJsonString())));
        Assert.NotNull(Assert.Single(transaction.TableChanges).Identifier);

        // Without identifiers (only required properties) a transaction is refused, as the spec's description demands.
        Assert.Equal("Invalid table changes: table identifier is required",
            Json.Fails(RestRequestJson.ParseCommitTransaction(Json.Utf8(spec.Generate("CommitTransactionRequest", full: false)!.ToJsonString()))).Message);
    }

    [Fact]
    public void The_generated_create_table_request_creates_a_table()
    {
        var node = OpenApiSpec.Instance.Generate("CreateTableRequest", full: true)!.AsObject();
        var v2 = Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8(node.ToJsonString())));

        // The generated field carries an initial-default, which only v3 allows.
        Assert.Equal("Invalid schema for v2:\n- Invalid initial default for string: non-null default (true) is not supported until v3",
            Json.Fails(TableCommitEngine.CreateTable(v2, "s3://b/t", Tables.Uuid, Tables.Now)).Message);
        node["properties"]!["format-version"] = "3";
        var request = Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8(node.ToJsonString())));
        var metadata = Json.Ok(TableCommitEngine.CreateTable(request, "s3://b/t", Tables.Uuid, Tables.Now));
        Assert.Equal(1000, Assert.Single(metadata.DefaultSpec.Fields).FieldId);
        Assert.Equal(1, metadata.DefaultSortOrderId);
    }

    [Fact]
    public void Metadata_schemas_generated_from_the_spec_parse_and_are_canonically_stable()
    {
        var table = Json.ParseTable(OpenApiSpec.Instance.Generate("TableMetadata", full: true)!.ToJsonString());
        Json.AssertCanonicalStable(table);
        var view = Json.ParseView(OpenApiSpec.Instance.Generate("ViewMetadata", full: true)!.ToJsonString());
        Json.AssertCanonicalStable(view);
        var generatedView = OpenApiSpec.Instance.Generate("ViewMetadata", full: true)!.ToJsonString();
        Json.AssertSemanticallyEqual(generatedView, Json.Str(ViewMetadataJson.Write(view)));
    }

    [Fact]
    public void Every_schema_example_in_the_spec_is_checked_where_it_concerns_the_core()
    {
        var handled = 0;
        var ignored = new List<string>();
        foreach (var (schema, path, value) in OpenApiSpec.Instance.SchemaExamples())
        {
            var json = OpenApiSpec.ToJson(value);
            switch (schema)
            {
                case "PrimitiveType":
                    foreach (var item in json!.AsArray())
                    {
                        var text = item!.GetValue<string>();
                        Assert.Equal(text, Json.Ok(IcebergType.ParsePrimitive(text)).ToString());
                        handled++;
                    }

                    break;
                case "Transform":
                    foreach (var item in json!.AsArray())
                    {
                        var text = item!.GetValue<string>();
                        Assert.Equal(text, Json.Ok(Transform.Parse(text)).ToString());
                        handled++;
                    }

                    break;
                case "TableIdentifier":
                    Json.Ok(RestRequestJson.ParseTableIdentifier(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                case "TableMetadata":
                    Json.AssertCanonicalStable(Json.ParseTable(json!.ToJsonString()));
                    handled++;
                    break;
                case "ViewMetadata":
                    Json.AssertCanonicalStable(Json.ParseView(json!.ToJsonString()));
                    handled++;
                    break;
                case "Schema":
                case "StructType":
                    Json.Ok(RestRequestJson.ParseSchema(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                case "Snapshot":
                    Json.Ok(RestRequestJson.ParseSnapshot(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                case "CreateTableRequest":
                    Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                case "CommitTableRequest":
                    Json.Ok(RestRequestJson.ParseCommitTable(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                case "CreateViewRequest":
                    Json.Ok(RestRequestJson.ParseCreateView(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                case var s when s.EndsWith("Update", StringComparison.Ordinal) && TableUpdateSchemas.Contains(s):
                    Json.Ok(RestRequestJson.ParseTableUpdate(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                case var s when TableRequirementSchemas.Contains(s):
                    Json.Ok(RestRequestJson.ParseTableRequirement(Json.Utf8(json!.ToJsonString())));
                    handled++;
                    break;
                default:
                    ignored.Add($"{schema} ({path})");
                    break;
            }
        }

        // The pinned file has primitive type and transform examples; every one must parse and print back.
        Assert.True(handled >= 11, $"only {handled} examples were checked");
        Assert.DoesNotContain(ignored, i => i.StartsWith("TableMetadata", StringComparison.Ordinal) || i.StartsWith("ViewMetadata", StringComparison.Ordinal));
    }

    [Fact]
    public void Identifier_examples_in_the_spec_parse()
    {
        var count = 0;
        foreach (var (name, value) in OpenApiSpec.Instance.NamedExamples())
        {
            if (name.StartsWith("Rename", StringComparison.Ordinal))
            {
                var node = OpenApiSpec.ToJson(value)!.AsObject();
                var source = Json.Ok(RestRequestJson.ParseTableIdentifier(Json.Utf8(node["source"]!.ToJsonString())));
                var destination = Json.Ok(RestRequestJson.ParseTableIdentifier(Json.Utf8(node["destination"]!.ToJsonString())));
                Assert.Equal(["accounting", "tax"], source.Namespace);
                Assert.StartsWith("accounting.tax.", destination.ToString(), StringComparison.Ordinal);
                count++;
            }
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public void Ignored_example_kinds_are_outside_the_core()
    {
        var kinds = OpenApiSpec.Instance.SchemaExamples().Select(e => e.Schema).Distinct().ToList();
        Assert.Contains("PrimitiveType", kinds);
        Assert.Contains("Transform", kinds);
    }
}
