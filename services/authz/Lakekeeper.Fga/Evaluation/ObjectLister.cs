using Lakekeeper.Fga.Model;

namespace Lakekeeper.Fga.Evaluation;

/// <summary>
/// list-objects: every object of a type on which a user has a relation, found by walking outward
/// from the user (OpenFGA's "reverse expansion") rather than by checking every object of the type.
/// <para>
/// It starts from the tuples that name the user (or a wildcard of its type), follows the model's
/// rewrites backwards (<see cref="ReverseGraph"/>), only along relations that can lead to the target,
/// and visits each (object, relation) once. Where a relation is reached under an intersection or the
/// base of an exclusion, that object is checked before the walk goes on, so the answer is exact.
/// The cost grows with what the user can reach, not with the number of objects of the type.
/// </para>
/// </summary>
public sealed class ObjectLister(AuthorizationModel model, ITupleReader reader, int maxDepth = CheckResolver.DefaultMaxDepth)
{
    public async ValueTask<IReadOnlyCollection<string>> ListAsync(
        string objectType, string relation, FgaUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objectType);
        ArgumentNullException.ThrowIfNull(relation);
        var relevance = model.Graph.RelevantTo(objectType, relation);
        var walk = new Walk(model, reader, relevance, objectType, relation, new CheckResolver(model, reader, user, maxDepth));

        if (user.IsUserset)
        {
            await walk.ReachAsync(new Node(user.Type, user.Id, user.Relation), guarded: false, cancellationToken);
            await walk.FollowDirectAsync(user.Type + "#" + user.Relation, user, cancellationToken);
        }
        else if (user.IsWildcard)
        {
            await walk.FollowDirectAsync(user.Type + ":*", user, cancellationToken);
        }
        else
        {
            await walk.FollowDirectAsync(user.Type, user, cancellationToken);
            await walk.FollowDirectAsync(user.Type + ":*", FgaUser.Wildcard(user.Type), cancellationToken);
        }

        await walk.RunAsync(cancellationToken);
        return walk.Results;
    }

    private readonly record struct Node(string Type, string Id, string Relation);

    private sealed class Walk(
        AuthorizationModel model, ITupleReader reader, Relevance relevance, string targetType, string targetRelation, CheckResolver checker)
    {
        private readonly HashSet<Node> _seen = [];
        private readonly Queue<Node> _queue = new();

        public HashSet<string> Results { get; } = new(StringComparer.Ordinal);

        /// <summary>The tuples whose user is <paramref name="value"/>, into the relations that accept <paramref name="key"/>.</summary>
        public async ValueTask FollowDirectAsync(string key, FgaUser value, CancellationToken cancellationToken)
        {
            if (!relevance.UserKeys.Contains(key) || !model.Graph.Direct.TryGetValue(key, out var edges))
            {
                return;
            }

            foreach (var edge in edges)
            {
                if (!relevance.Contains(edge.TargetType, edge.TargetRelation))
                {
                    continue;
                }

                var ids = await reader.ReadObjectIdsAsync(edge.TargetType, edge.TargetRelation, value, cancellationToken);
                for (var i = 0; i < ids.Count; i++)
                {
                    await ReachAsync(new Node(edge.TargetType, ids[i], edge.TargetRelation), edge.Guarded, cancellationToken);
                }
            }
        }

        public async ValueTask ReachAsync(Node node, bool guarded, CancellationToken cancellationToken)
        {
            if (!relevance.Contains(node.Type, node.Relation) || !_seen.Add(node))
            {
                return;
            }

            if (guarded && !await checker.CheckAsync(new FgaObject(node.Type, node.Id), node.Relation, cancellationToken))
            {
                // Not held: the walk does not go on from here. (It stays seen: the check's answer would not change.)
                return;
            }

            if (node.Type == targetType && node.Relation == targetRelation)
            {
                Results.Add(node.Id);
            }

            _queue.Enqueue(node);
        }

        public async ValueTask RunAsync(CancellationToken cancellationToken)
        {
            while (_queue.TryDequeue(out var node))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await FollowDirectAsync(node.Type + "#" + node.Relation, new FgaUser(node.Type, node.Id, node.Relation), cancellationToken);
                if (model.Graph.Computed.TryGetValue((node.Type, node.Relation), out var computed))
                {
                    foreach (var edge in computed)
                    {
                        await ReachAsync(new Node(node.Type, node.Id, edge.TargetRelation), edge.Guarded, cancellationToken);
                    }
                }

                if (model.Graph.TupleToUserset.TryGetValue((node.Type, node.Relation), out var viaTupleset))
                {
                    var asObject = new FgaUser(node.Type, node.Id);
                    foreach (var edge in viaTupleset)
                    {
                        if (!relevance.Contains(edge.TargetType, edge.TargetRelation))
                        {
                            continue;
                        }

                        var ids = await reader.ReadObjectIdsAsync(edge.TargetType, edge.Tupleset!, asObject, cancellationToken);
                        for (var i = 0; i < ids.Count; i++)
                        {
                            await ReachAsync(new Node(edge.TargetType, ids[i], edge.TargetRelation), edge.Guarded, cancellationToken);
                        }
                    }
                }
            }
        }
    }
}
