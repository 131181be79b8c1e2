using Lakekeeper.Fga.Model;

namespace Lakekeeper.Fga.Evaluation;

/// <summary>A list-users filter: objects of <see cref="Type"/> (and its wildcard), or usersets <c>Type#Relation</c>.</summary>
public readonly record struct UserFilter(string Type, string? Relation = null);

/// <summary>
/// list-users: the users (of the filtered types) that have a relation on an object. Expands the
/// relation downward from the object: stored users, computed relations, tuplesets and usersets, each
/// (object, relation) once. Usersets met on the way are answers themselves (<c>role:r1#assignee</c>),
/// as is a wildcard (<c>user:*</c>, "every user"). When the expansion met an intersection or an
/// exclusion, every candidate (including the users named on the subtracted side) is checked before it
/// is returned. A user named in no tuple the expansion reaches answers like the wildcard of its type,
/// so the answer is complete: every user that holds the relation is listed or covered by a listed
/// wildcard.
/// </summary>
public sealed class UserLister(AuthorizationModel model, ITupleReader reader, int maxDepth = CheckResolver.DefaultMaxDepth)
{
    public async ValueTask<IReadOnlyList<FgaUser>> ListAsync(
        FgaObject obj, string relation, IReadOnlyList<UserFilter> filters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var seen = new HashSet<(string Type, string Id, string Relation)>();
        var queue = new Queue<(string Type, string Id, string Relation)>();
        var candidates = new HashSet<FgaUser>();
        var guarded = false;

        void Visit(string type, string id, string rel)
        {
            if (model.TryGetRelation(type, rel, out _) && seen.Add((type, id, rel)))
            {
                queue.Enqueue((type, id, rel));
                candidates.Add(new FgaUser(type, id, rel));
            }
        }

        Visit(obj.Type, obj.Id, relation);
        while (queue.TryDequeue(out var node))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = model.Types[node.Type].Relations[node.Relation];
            foreach (var rewrite in Operands(info.Rewrite))
            {
                switch (rewrite)
                {
                    case ThisRewrite:
                        foreach (var user in await reader.ReadUsersAsync(node.Type, node.Id, node.Relation, cancellationToken))
                        {
                            if (!info.Allows(user))
                            {
                                continue;
                            }

                            candidates.Add(user);
                            if (user.IsUserset)
                            {
                                Visit(user.Type, user.Id, user.Relation);
                            }
                        }

                        break;
                    case ComputedRewrite computed:
                        Visit(node.Type, node.Id, computed.Relation);
                        break;
                    case TupleToUsersetRewrite ttu:
                        var tupleset = model.Types[node.Type].Relations[ttu.Tupleset];
                        foreach (var parent in await reader.ReadUsersAsync(node.Type, node.Id, ttu.Tupleset, cancellationToken))
                        {
                            if (parent.IsObject && tupleset.Allows(parent))
                            {
                                Visit(parent.Type, parent.Id, ttu.Computed);
                            }
                        }

                        break;
                    case SetRewrite { Kind: RewriteKind.Intersection }:
                    case DifferenceRewrite:
                        guarded = true;
                        break;
                }
            }
        }

        var matching = candidates.Where(c => Matches(c, filters)).ToList();
        if (!guarded)
        {
            return matching;
        }

        var confirmed = new List<FgaUser>(matching.Count);
        foreach (var candidate in matching)
        {
            if (await new CheckResolver(model, reader, candidate, maxDepth).CheckAsync(obj, relation, cancellationToken))
            {
                confirmed.Add(candidate);
            }
        }

        return confirmed;
    }

    private static bool Matches(FgaUser user, IReadOnlyList<UserFilter> filters)
    {
        foreach (var filter in filters)
        {
            if (filter.Type != user.Type)
            {
                continue;
            }

            if (string.IsNullOrEmpty(filter.Relation) ? !user.IsUserset : user.Relation == filter.Relation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The operands whose users may hold the relation; intersections and exclusions are reported as markers.</summary>
    private static IEnumerable<Rewrite> Operands(Rewrite rewrite)
    {
        switch (rewrite)
        {
            case SetRewrite set:
                if (set.Kind == RewriteKind.Intersection)
                {
                    yield return set;
                }

                foreach (var child in set.Children)
                {
                    foreach (var operand in Operands(child))
                    {
                        yield return operand;
                    }
                }

                break;
            case DifferenceRewrite difference:
                yield return difference;
                // The subtracted side too: a user named only there may hold the relation where the
                // wildcard does not (an exclusion inside the exclusion). Candidates are all checked.
                foreach (var operand in Operands(difference.Base).Concat(Operands(difference.Subtract)))
                {
                    yield return operand;
                }

                break;
            default:
                yield return rewrite;
                break;
        }
    }
}
