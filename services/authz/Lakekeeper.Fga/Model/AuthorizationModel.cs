using System.Collections.Frozen;

namespace Lakekeeper.Fga.Model;

/// <summary>
/// A validated authorization model, compiled for evaluation: types, their relations and rewrites,
/// and the type restrictions of directly assignable relations. Immutable and shared by all requests.
/// Build it with <see cref="ModelCompiler.Compile(ModelDocument)"/>.
/// </summary>
public sealed class AuthorizationModel
{
    internal AuthorizationModel(string schemaVersion, FrozenDictionary<string, TypeInfo> types, ModelDocument document)
    {
        SchemaVersion = schemaVersion;
        Types = types;
        Document = document;
        Graph = new ReverseGraph(this);
    }

    public string SchemaVersion { get; }

    /// <summary>The types by name.</summary>
    public FrozenDictionary<string, TypeInfo> Types { get; }

    /// <summary>The document the model was compiled from.</summary>
    public ModelDocument Document { get; }

    /// <summary>Edges from a relation to the relations that use it, for list-objects.</summary>
    internal ReverseGraph Graph { get; }

    public bool TryGetRelation(string type, string relation, out RelationInfo info)
    {
        if (Types.TryGetValue(type, out var typeInfo) && typeInfo.Relations.TryGetValue(relation, out var found))
        {
            info = found;
            return true;
        }

        info = null!;
        return false;
    }

    /// <summary>The relation, or an <see cref="FgaException"/> naming what is missing (<c>validation_error</c>).</summary>
    public RelationInfo GetRelation(string type, string relation)
    {
        if (!Types.TryGetValue(type, out var typeInfo))
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"type '{type}' not found");
        }

        if (!typeInfo.Relations.TryGetValue(relation, out var info))
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"relation '{type}#{relation}' not found");
        }

        return info;
    }
}

/// <summary>A type and its relations.</summary>
public sealed class TypeInfo(string name, FrozenDictionary<string, RelationInfo> relations)
{
    public string Name { get; } = name;

    public FrozenDictionary<string, RelationInfo> Relations { get; } = relations;
}

/// <summary>A relation of a type: its rewrite and, when directly assignable, the user types it allows.</summary>
public sealed class RelationInfo
{
    private readonly FrozenSet<(string Type, string Relation, bool Wildcard)> _allowed;

    internal RelationInfo(string type, string name, Rewrite rewrite, IReadOnlyList<DirectType> directTypes)
    {
        Type = type;
        Name = name;
        Rewrite = rewrite;
        DirectTypes = directTypes;
        _allowed = directTypes.Select(static d => (d.Type, d.Relation ?? string.Empty, d.Wildcard)).ToFrozenSet();
    }

    public string Type { get; }

    public string Name { get; }

    public Rewrite Rewrite { get; }

    /// <summary>The type restrictions of the direct assignment (<c>[user, user:*, role#assignee]</c>); empty when not assignable.</summary>
    public IReadOnlyList<DirectType> DirectTypes { get; }

    public bool IsDirectlyAssignable => DirectTypes.Count > 0;

    /// <summary>Whether a tuple with this user may be stored under the relation (the type restrictions).</summary>
    public bool Allows(in FgaUser user) => _allowed.Contains((user.Type, user.IsWildcard ? string.Empty : user.Relation, user.IsWildcard));

    public override string ToString() => Type + "#" + Name;
}

/// <summary>One type restriction: <c>user</c>, <c>user:*</c> (<see cref="Wildcard"/>) or <c>role#assignee</c>.</summary>
public sealed record DirectType(string Type, string? Relation, bool Wildcard)
{
    /// <summary><c>user</c>, <c>user:*</c> or <c>role#assignee</c>.</summary>
    public string Key { get; } = Wildcard ? Type + ":*" : Relation is { Length: > 0 } r ? Type + "#" + r : Type;

    public static string KeyOf(in FgaUser user) =>
        user.IsWildcard ? user.Type + ":*" : user.IsUserset ? user.Type + "#" + user.Relation : user.Type;

    public override string ToString() => Key;
}

/// <summary>The kinds of rewrite node.</summary>
public enum RewriteKind
{
    This,
    Computed,
    TupleToUserset,
    Union,
    Intersection,
    Difference,
}

/// <summary>A node of a relation's rewrite tree.</summary>
public abstract class Rewrite(RewriteKind kind)
{
    public RewriteKind Kind { get; } = kind;
}

/// <summary>Direct assignment: the stored tuples of the relation.</summary>
public sealed class ThisRewrite() : Rewrite(RewriteKind.This);

/// <summary>Another relation of the same object.</summary>
public sealed class ComputedRewrite(string relation) : Rewrite(RewriteKind.Computed)
{
    public string Relation { get; } = relation;
}

/// <summary><c>computed from tupleset</c>: the relation <see cref="Computed"/> of every object related through <see cref="Tupleset"/>.</summary>
public sealed class TupleToUsersetRewrite(string tupleset, string computed) : Rewrite(RewriteKind.TupleToUserset)
{
    public string Tupleset { get; } = tupleset;

    public string Computed { get; } = computed;
}

/// <summary><c>a or b</c> / <c>a and b</c>.</summary>
public sealed class SetRewrite(RewriteKind kind, IReadOnlyList<Rewrite> children) : Rewrite(kind)
{
    public IReadOnlyList<Rewrite> Children { get; } = children;
}

/// <summary><c>base but not subtract</c>.</summary>
public sealed class DifferenceRewrite(Rewrite @base, Rewrite subtract) : Rewrite(RewriteKind.Difference)
{
    public Rewrite Base { get; } = @base;

    public Rewrite Subtract { get; } = subtract;
}
