namespace Lakekeeper.Iceberg.Tests;

public sealed class RestRequestTests
{
    [Fact]
    public void Create_table_request_fields_are_read_and_nulls_equal_absence()
    {
        const string full = """{"name":"t","location":"s3://l","schema":{"type":"struct","fields":[]},"partition-spec":{"fields":[]},"write-order":{"order-id":0,"fields":[]},"stage-create":true,"properties":{"a":"b"}}""";
        var request = Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8(full)));
        Assert.Equal(("t", "s3://l", true), (request.Name, request.Location, request.StageCreate));
        Assert.NotNull(request.PartitionSpec);
        Assert.NotNull(request.WriteOrder);
        Assert.Equal("b", request.Properties["a"]);

        var nulls = Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8("""{"name":"t","location":null,"schema":{"type":"struct","fields":[]},"partition-spec":null,"write-order":null,"stage-create":null,"properties":null}""")));
        var absent = Json.Ok(RestRequestJson.ParseCreateTable(Json.Utf8("""{"name":"t","schema":{"type":"struct","fields":[]}}""")));
        Assert.Equal(absent, nulls);
        Assert.Null(absent.Location);
        Assert.False(absent.StageCreate);
    }

    [Theory]
    [InlineData("""{"schema":{"type":"struct","fields":[]}}""", "Cannot parse missing string: name")]
    [InlineData("""{"name":"t"}""", "Cannot parse missing field: schema")]
    [InlineData("""{"name":"","schema":{"type":"struct","fields":[]}}""", "Invalid name: must not be empty")]
    [InlineData("""{"name":5,"schema":{"type":"struct","fields":[]}}""", "Cannot parse to a string value: name: 5")]
    [InlineData("""{"name":"t","schema":{"type":"struct","fields":[]},"stage-create":"yes"}""", "Cannot parse to a boolean value: stage-create: \"yes\"")]
    [InlineData("""{"name":"t","schema":{"type":"struct","schema-id":99999999999,"fields":[]}}""", "Cannot parse to an integer value: schema-id: 99999999999")]
    [InlineData("""{"name":"t","schema":{"type":"list","fields":[]}}""", "Cannot parse schema: type must be struct, not list")]
    public void Create_table_request_errors_are_typed_400s(string json, string message)
    {
        var error = Json.Fails(RestRequestJson.ParseCreateTable(Json.Utf8(json)));
        Assert.Equal((400, "BadRequestException", message), (error.Code, error.Type, error.Message));
    }

    [Fact]
    public void Commit_table_request_reads_identifier_requirements_and_updates()
    {
        const string json = """
            {"identifier":{"namespace":["a","b"],"name":"t"},
             "requirements":[{"type":"assert-table-uuid","uuid":"9c12d441-03fe-4693-9a96-a0705ddf69c1"},{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":null}],
             "updates":[{"action":"set-properties","updates":{"k":"v"}},{"action":"remove-properties","removals":["x"]}]}
            """;
        var request = Json.Ok(RestRequestJson.ParseCommitTable(Json.Utf8(json)));
        Assert.Equal("a.b.t", request.Identifier!.ToString());
        Assert.Equal(2, request.Requirements.Length);
        Assert.IsType<TableUpdate.RemoveProperties>(request.Updates[1]);
        Assert.Null(Json.Ok(RestRequestJson.ParseCommitTable(Json.Utf8("""{"identifier":null,"updates":[]}"""))).Identifier);
        Assert.Empty(Json.Ok(RestRequestJson.ParseCommitTable(Json.Utf8("""{"requirements":null,"updates":[]}"""))).Requirements);
        Assert.Equal("Cannot parse missing field: updates", Json.Fails(RestRequestJson.ParseCommitTable(Json.Utf8("""{"requirements":[],"updates":null}"""))).Message);
        Assert.Equal("Cannot parse missing field: updates", Json.Fails(RestRequestJson.ParseCommitView(Json.Utf8("""{"updates":null}"""))).Message);
    }

    [Fact]
    public void Unknown_update_actions_and_requirement_types_are_bad_requests()
    {
        var error = Json.Fails(RestRequestJson.ParseCommitTable(Json.Utf8("""{"requirements":[],"updates":[{"action":"frobnicate"}]}""")));
        Assert.Equal((400, "BadRequestException", "Cannot parse metadata update. Invalid action: frobnicate"), (error.Code, error.Type, error.Message));
        error = Json.Fails(RestRequestJson.ParseCommitTable(Json.Utf8("""{"requirements":[{"type":"assert-sunny"}],"updates":[]}""")));
        Assert.Equal("Cannot parse update requirement. Invalid type: assert-sunny", error.Message);
        error = Json.Fails(RestRequestJson.ParseCommitTable(Json.Utf8("""{"updates":[{"uuid":"x"}]}""")));
        Assert.Equal("Cannot parse metadata update. Missing field: action", error.Message);
        error = Json.Fails(RestRequestJson.ParseCommitView(Json.Utf8("""{"updates":[{"action":"add-snapshot","snapshot":{}}]}""")));
        Assert.Equal("Cannot parse view update. Invalid action: add-snapshot", error.Message);
        error = Json.Fails(RestRequestJson.ParseCommitView(Json.Utf8("""{"requirements":[{"type":"assert-table-uuid","uuid":"x"}],"updates":[]}""")));
        Assert.Equal("Cannot parse view requirement. Invalid type: assert-table-uuid", error.Message);
    }

    [Theory]
    [InlineData("""{"action":"set-current-schema","schema-id":2147483648}""", "Cannot parse to an integer value: schema-id: 2147483648")]
    [InlineData("""{"action":"set-current-schema","schema-id":1.5}""", "Cannot parse to an integer value: schema-id: 1.5")]
    [InlineData("""{"action":"set-current-schema"}""", "Cannot parse missing int: schema-id")]
    [InlineData("""{"action":"remove-snapshots","snapshot-ids":[1,"2"]}""", "Cannot parse to a long value: snapshot-ids: \"2\"")]
    [InlineData("""{"action":"assign-uuid","uuid":"nope"}""", "Cannot parse to a UUID value: uuid: \"nope\"")]
    [InlineData("""{"action":"set-snapshot-ref","ref-name":"main","snapshot-id":1}""", "Cannot parse missing string: type")]
    [InlineData("""{"action":"set-properties","updates":{"a":null}}""", "Cannot parse to a string value: updates.a: null")]
    [InlineData("""{"action":"add-schema","schema":{"type":"struct","fields":[{"id":1,"name":"a","required":true,"type":"int"},{"id":1,"name":"b","required":true,"type":"int"}]}}""", "Invalid schema: multiple fields with id 1")]
    [InlineData("""{"action":"add-encryption-key","encryption-key":{"key-id":"k","encrypted-key-metadata":"***"}}""", "Cannot parse encrypted-key-metadata: not valid base64: ***")]
    [InlineData("""{"action":"add-snapshot","snapshot":{"snapshot-id":1,"timestamp-ms":1,"summary":{"operation":5}}}""", "Cannot parse to a string value: summary.operation: 5")]
    [InlineData("""{"action":"add-spec","spec":{"fields":[{"name":"p","transform":"bucket[0]","source-id":1}]}}""", "Invalid number of buckets: 0 (must be > 0)")]
    public void Update_payload_errors_are_typed_400s(string json, string message)
    {
        var error = Json.Fails(RestRequestJson.ParseTableUpdate(Json.Utf8(json)));
        Assert.Equal((400, message), (error.Code, error.Message));
    }

    [Fact]
    public void Action_may_come_after_the_payload()
    {
        var update = Json.Ok(RestRequestJson.ParseTableUpdate(Json.Utf8("""{"schema-id":4,"action":"set-current-schema"}""")));
        Assert.Equal(new TableUpdate.SetCurrentSchema(4), update);
    }

    [Fact]
    public void Commit_transaction_requires_identifiers()
    {
        var ok = Json.Ok(RestRequestJson.ParseCommitTransaction(Json.Utf8("""{"table-changes":[{"identifier":{"namespace":["n"],"name":"a"},"requirements":[],"updates":[]},{"identifier":{"namespace":[],"name":"b"},"requirements":[],"updates":[]}]}""")));
        Assert.Equal(["n.a", "b"], ok.TableChanges.Select(c => c.Identifier!.ToString()));
        Assert.Equal("Invalid table changes: table identifier is required",
            Json.Fails(RestRequestJson.ParseCommitTransaction(Json.Utf8("""{"table-changes":[{"requirements":[],"updates":[]}]}"""))).Message);
        Assert.Equal("Cannot parse missing field: table-changes", Json.Fails(RestRequestJson.ParseCommitTransaction(Json.Utf8("{}"))).Message);
        Assert.Equal("Invalid table changes: empty", Json.Fails(RestRequestJson.ParseCommitTransaction(Json.Utf8("""{"table-changes":[]}"""))).Message);
    }

    [Fact]
    public void Create_view_request_is_read()
    {
        const string json = """
            {"name":"v","schema":{"type":"struct","schema-id":5,"fields":[{"id":1,"name":"x","required":false,"type":"int"}]},
             "view-version":{"version-id":1,"timestamp-ms":1573518431292,"schema-id":5,"summary":{"engine-name":"trino"},
               "representations":[{"type":"sql","sql":"select 1","dialect":"trino"}],"default-namespace":["ns"]},
             "properties":{"comment":"c"}}
            """;
        var request = Json.Ok(RestRequestJson.ParseCreateView(Json.Utf8(json)));
        Assert.Equal("v", request.Name);
        Assert.Equal(5, request.Schema.SchemaId);
        Assert.Equal("trino", ((SqlViewRepresentation)request.ViewVersion.Representations[0]).Dialect);
        Assert.Equal(["ns"], request.ViewVersion.DefaultNamespace);
        Assert.Equal("Cannot parse missing field: view-version", Json.Fails(RestRequestJson.ParseCreateView(Json.Utf8("""{"name":"v","schema":{"type":"struct","fields":[]}}"""))).Message);
    }

    [Fact]
    public void Register_requests_are_read()
    {
        var r = Json.Ok(RestRequestJson.ParseRegister(Json.Utf8("""{"name":"t","metadata-location":"s3://m/00001-x.metadata.json","overwrite":null}""")));
        Assert.Equal(new RegisterTableRequest("t", "s3://m/00001-x.metadata.json", false), r);
        Assert.True(Json.Ok(RestRequestJson.ParseRegister(Json.Utf8("""{"name":"t","metadata-location":"s3://m","overwrite":true}"""))).Overwrite);
        Assert.Equal(new RegisterViewRequest("v", "s3://m"), Json.Ok(RestRequestJson.ParseRegisterView(Json.Utf8("""{"name":"v","metadata-location":"s3://m"}"""))));
        Assert.Equal("Invalid metadata location: must not be empty", Json.Fails(RestRequestJson.ParseRegister(Json.Utf8("""{"name":"t"}"""))).Message);
    }

    [Fact]
    public void Table_identifier_prints_dotted()
    {
        Assert.Equal("a.b.tbl", new TableIdentifier(["a", "b"], "tbl").ToString());
        Assert.Equal(new TableIdentifier(["a"], "t"), new TableIdentifier(new List<string> { "a" }, "t"));
        Assert.NotEqual(new TableIdentifier(["a"], "t"), new TableIdentifier(["b"], "t"));
        var (ns, name) = new TableIdentifier(["a", "b"], "tbl");
        Assert.Equal(("a", "tbl"), (ns[0], name));
    }
}
