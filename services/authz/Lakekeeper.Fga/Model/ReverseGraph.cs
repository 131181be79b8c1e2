using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Lakekeeper.Fga.Model;

/// <summary>
/// The rewrites read backwards, for list-objects: from a relation (or a kind of user) to the
/// relations whose definitions use it. An edge is <see cref="ReverseEdge.Guarded"/> when the use sits
/// under an intersection or the base of an exclusion: reaching the target through it proves nothing
/// alone, and the target must then be checked. Subtracted operands contribute no edge.
/// </summary>
internal sealed class ReverseGraph
{
    private readonly ConcurrentDictionary<(string Type, string Relation), Relevance> _relevance = new();

    public ReverseGraph(AuthorizationModel model)
    {
        var direct = new Dictionary<string, List<ReverseEdge>>(StringComparer.Ordinal);
        var computed = new Dictionary<(string, string), List<ReverseEdge>>();
        var tupleToUserset = new Dictionary<(string, string), List<ReverseEdge>>();
        foreach (var type in model.Types.Values)
        {
            foreach (var relation in type.Relations.Values)
            {
                Collect(model, relation, relation.Rewrite, guarded: false, direct, computed, tupleToUserset);
            }
        }

        Direct = direct.ToFrozenDictionary(static p => p.Key, static p => p.Value.ToArray(), StringComparer.Ordinal);
        Computed = computed.ToFrozenDictionary(static p => p.Key, static p => p.Value.ToArray());
        TupleToUserset = tupleToUserset.ToFrozenDictionary(static p => p.Key, static p => p.Value.ToArray());
    }

    /// <summary>By user key (<c>user</c>, <c>user:*</c>, <c>role#assignee</c>): the relations that accept it directly.</summary>
    public FrozenDictionary<string, ReverseEdge[]> Direct { get; }

    /// <summary>By (type, relation): the relations of the same type defined through it.</summary>
    public FrozenDictionary<(string Type, string Relation), ReverseEdge[]> Computed { get; }

    /// <summary>By (type, relation) of the related object: the relations of other objects that reach it through a tupleset.</summary>
    public FrozenDictionary<(string Type, string Relation), ReverseEdge[]> TupleToUserset { get; }

    /// <summary>The relations (and user keys) from which <paramref name="type"/>#<paramref name="relation"/> can be reached.</summary>
    public Relevance RelevantTo(string type, string relation) =>
        _relevance.GetOrAdd((type, relation), static (key, graph) => graph.ComputeRelevance(key), this);

    private Relevance ComputeRelevance((string Type, string Relation) target)
    {
        // Backwards from the target: a relation is relevant when one of its outgoing edges lands on a
        // relevant relation.
        var relevant = new HashSet<(string, string)> { target };
        var userKeys = new HashSet<string>(StringComparer.Ordinal);
        bool changed;
        do
        {
            changed = false;
            foreach (var (source, edges) in Computed)
            {
                if (!relevant.Contains(source) && edges.Any(e => relevant.Contains((e.TargetType, e.TargetRelation))))
                {
                    relevant.Add(source);
                    changed = true;
                }
            }

            foreach (var (source, edges) in TupleToUserset)
            {
                if (!relevant.Contains(source) && edges.Any(e => relevant.Contains((e.TargetType, e.TargetRelation))))
                {
                    relevant.Add(source);
                    changed = true;
                }
            }

            foreach (var (key, edges) in Direct)
            {
                if (!userKeys.Contains(key) && edges.Any(e => relevant.Contains((e.TargetType, e.TargetRelation))))
                {
                    userKeys.Add(key);
                    changed = true;
                    var hash = key.IndexOf('#', StringComparison.Ordinal);
                    if (hash > 0 && relevant.Add((key[..hash], key[(hash + 1)..])))
                    {
                        changed = true;
                    }
                }
            }
        }
        while (changed);

        return new Relevance(relevant.ToFrozenSet(), userKeys.ToFrozenSet(StringComparer.Ordinal));
    }

    private static void Collect(
        AuthorizationModel model,
        RelationInfo owner,
        Rewrite rewrite,
        bool guarded,
        Dictionary<string, List<ReverseEdge>> direct,
        Dictionary<(string, string), List<ReverseEdge>> computed,
        Dictionary<(string, string), List<ReverseEdge>> tupleToUserset)
    {
        switch (rewrite)
        {
            case ThisRewrite:
                foreach (var type in owner.DirectTypes)
                {
                    Add(direct, type.Key, new ReverseEdge(owner.Type, owner.Name, null, guarded));
                }

                break;
            case ComputedRewrite c:
                Add(computed, (owner.Type, c.Relation), new ReverseEdge(owner.Type, owner.Name, null, guarded));
                break;
            case TupleToUsersetRewrite t:
                foreach (var parent in model.Types[owner.Type].Relations[t.Tupleset].DirectTypes)
                {
                    if (model.TryGetRelation(parent.Type, t.Computed, out _))
                    {
                        Add(tupleToUserset, (parent.Type, t.Computed), new ReverseEdge(owner.Type, owner.Name, t.Tupleset, guarded));
                    }
                }

                break;
            case SetRewrite set:
                foreach (var child in set.Children)
                {
                    Collect(model, owner, child, guarded || set.Kind == RewriteKind.Intersection, direct, computed, tupleToUserset);
                }

                break;
            case DifferenceRewrite difference:
                Collect(model, owner, difference.Base, guarded: true, direct, computed, tupleToUserset);
                break;
        }
    }

    private static void Add<TKey>(Dictionary<TKey, List<ReverseEdge>> map, TKey key, ReverseEdge edge)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        if (!list.Contains(edge))
        {
            list.Add(edge);
        }
    }
}

/// <summary>
/// A use of a relation inside the definition of <see cref="TargetType"/>#<see cref="TargetRelation"/>:
/// directly, as a computed relation, or through the tupleset <see cref="Tupleset"/>.
/// </summary>
internal readonly record struct ReverseEdge(string TargetType, string TargetRelation, string? Tupleset, bool Guarded);

/// <summary>What list-objects for one target needs to visit.</summary>
internal sealed record Relevance(FrozenSet<(string Type, string Relation)> Relations, FrozenSet<string> UserKeys)
{
    public bool Contains(string type, string relation) => Relations.Contains((type, relation));
}
