using Lakekeeper.Fga.Model;

namespace Lakekeeper.Fga.Tests;

/// <summary>Builds model documents in code: <c>Model.Of(Type("doc").Relation("viewer", Direct("user"), Or(...)))</c>.</summary>
internal static class M
{
    public static ModelDocument Schema(params TypeDefinitionDocument[] types) =>
        new() { SchemaVersion = "1.1", TypeDefinitions = [.. types] };

    public static TypeDefinitionDocument Type(string name, params (string Name, UsersetDocument Rewrite, string[] Direct)[] relations)
    {
        var definition = new TypeDefinitionDocument { Type = name, Relations = [], Metadata = new TypeMetadataDocument { Relations = [] } };
        foreach (var (relation, rewrite, direct) in relations)
        {
            definition.Relations[relation] = rewrite;
            definition.Metadata.Relations[relation] = new RelationMetadataDocument
            {
                DirectlyRelatedUserTypes = [.. direct.Select(Reference)],
            };
        }

        return definition;
    }

    /// <summary>A directly assignable relation: <c>[user, user:*, role#assignee]</c>.</summary>
    public static (string, UsersetDocument, string[]) Direct(string name, params string[] types) => (name, This, types);

    /// <summary>A relation with a rewrite and optional direct types (when the rewrite contains <see cref="This"/>).</summary>
    public static (string, UsersetDocument, string[]) Rel(string name, UsersetDocument rewrite, params string[] types) => (name, rewrite, types);

    public static UsersetDocument This => new() { This = System.Text.Json.JsonDocument.Parse("{}").RootElement };

    public static UsersetDocument Computed(string relation) => new() { ComputedUserset = new ObjectRelationDocument { Relation = relation } };

    public static UsersetDocument From(string computed, string tupleset) => new()
    {
        TupleToUserset = new TupleToUsersetDocument
        {
            Tupleset = new ObjectRelationDocument { Relation = tupleset },
            ComputedUserset = new ObjectRelationDocument { Relation = computed },
        },
    };

    public static UsersetDocument Or(params UsersetDocument[] children) => new() { Union = new UsersetsDocument { Child = [.. children] } };

    public static UsersetDocument And(params UsersetDocument[] children) => new() { Intersection = new UsersetsDocument { Child = [.. children] } };

    public static UsersetDocument ButNot(UsersetDocument @base, UsersetDocument subtract) =>
        new() { Difference = new DifferenceDocument { Base = @base, Subtract = subtract } };

    public static RelationReferenceDocument Reference(string text)
    {
        if (text.EndsWith(":*", StringComparison.Ordinal))
        {
            return new RelationReferenceDocument { Type = text[..^2], Wildcard = System.Text.Json.JsonDocument.Parse("{}").RootElement };
        }

        var hash = text.IndexOf('#', StringComparison.Ordinal);
        return hash < 0
            ? new RelationReferenceDocument { Type = text }
            : new RelationReferenceDocument { Type = text[..hash], Relation = text[(hash + 1)..] };
    }

    public static FgaTuple T(string obj, string relation, string user) => new(FgaObject.Parse(obj), relation, FgaUser.Parse(user));

    public static FgaUser U(string user) => FgaUser.Parse(user);

    public static FgaObject O(string obj) => FgaObject.Parse(obj);
}
