using Lakekeeper.Fga.Model;
using static Lakekeeper.Fga.Tests.M;

namespace Lakekeeper.Fga.Tests;

public sealed class ModelCompilerTests
{
    private static FgaException Refused(ModelDocument document) => Assert.Throws<FgaException>(() => ModelCompiler.Compile(document));

    [Fact]
    public void Conditions_are_refused_with_a_clear_message()
    {
        const string json = """
            {"schema_version":"1.1","type_definitions":[{"type":"user"},{"type":"doc","relations":{"viewer":{"this":{}}},
             "metadata":{"relations":{"viewer":{"directly_related_user_types":[{"type":"user","condition":"in_office"}]}}}}],
             "conditions":{"in_office":{"name":"in_office","expression":"ip == \"1\"","parameters":{}}}}
            """;
        var error = Assert.Throws<FgaException>(() => ModelCompiler.Compile(json));
        Assert.Equal(FgaErrorCodes.InvalidAuthorizationModel, error.Code);
        Assert.Contains("conditions are not supported", error.Message, StringComparison.Ordinal);

        var onlyReference = json.Replace(""","conditions":{"in_office":{"name":"in_office","expression":"ip == \"1\"","parameters":{}}}""", string.Empty, StringComparison.Ordinal);
        Assert.Contains("condition", Assert.Throws<FgaException>(() => ModelCompiler.Compile(onlyReference)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_schema_1_1_is_accepted()
    {
        var model = Schema(Type("user"));
        model.SchemaVersion = "1.0";
        Assert.Equal(FgaErrorCodes.UnsupportedSchemaVersion, Refused(model).Code);
    }

    [Fact]
    public void Undefined_types_and_relations_are_refused()
    {
        Assert.Equal(FgaErrorCodes.InvalidAuthorizationModel, Refused(Schema(Type("doc", Direct("viewer", "user")))).Code);
        Assert.Equal(FgaErrorCodes.InvalidAuthorizationModel, Refused(Schema(Type("user"), Type("doc", Rel("viewer", Computed("editor"))))).Code);
        Assert.Equal(FgaErrorCodes.InvalidAuthorizationModel, Refused(Schema(Type("user"), Type("doc", Direct("viewer", "user#member")))).Code);
        Assert.Equal(FgaErrorCodes.DuplicateTypesInOneRequest, Refused(Schema(Type("user"), Type("user"))).Code);
        Assert.Equal(FgaErrorCodes.ValidationError, Refused(Schema()).Code);
    }

    [Fact]
    public void Relations_without_entry_point_are_refused()
    {
        var cycle = Schema(Type("user"), Type("doc", Rel("a", Computed("b")), Rel("b", Computed("a"))));
        Assert.Contains("no entry point", Refused(cycle).Message, StringComparison.Ordinal);
        var selfParent = Schema(Type("user"), Type("doc", Direct("parent", "doc"), Rel("viewer", From("viewer", "parent"))));
        Assert.Contains("no entry point", Refused(selfParent).Message, StringComparison.Ordinal);
        // With an entry point the same recursion is fine.
        ModelCompiler.Compile(Schema(Type("user"), Type("doc", Direct("parent", "doc"), Rel("viewer", Or(This, From("viewer", "parent")), "user"))));
    }

    [Fact]
    public void Tuplesets_must_be_plain_direct_relations()
    {
        var userset = Schema(Type("user"), Type("group", Direct("member", "user")),
            Type("doc", Direct("parent", "group#member"), Rel("viewer", From("member", "parent"))));
        Assert.Contains("plain types", Refused(userset).Message, StringComparison.Ordinal);
        var missing = Schema(Type("user"), Type("group", Direct("member", "user")),
            Type("doc", Direct("parent", "group"), Rel("viewer", From("owner", "parent"))));
        Assert.Contains("defines 'owner'", Refused(missing).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Direct_types_and_this_go_together()
    {
        Assert.Contains("needs at least one type restriction", Refused(Schema(Type("user"), Type("doc", Direct("viewer")))).Message, StringComparison.Ordinal);
        Assert.Contains("not directly assignable",
            Refused(Schema(Type("user"), Type("doc", Direct("owner", "user"), Rel("viewer", Computed("owner"), "user")))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_a_validation_error()
    {
        Assert.Equal(FgaErrorCodes.ValidationError, Assert.Throws<FgaException>(() => ModelCompiler.Compile("{\"schema_version\": ")).Code);
    }
}
