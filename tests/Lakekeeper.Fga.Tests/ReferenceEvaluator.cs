using Lakekeeper.Fga.Model;

namespace Lakekeeper.Fga.Tests;

/// <summary>
/// The plain reading of an authorization model, written as directly as possible and with no
/// optimisation: the oracle the engine is compared against. A relation already on the current path
/// is false there; a path deeper than <c>maxDepth</c> fails; a userset user holds its own relation;
/// tuples the type restrictions do not allow are ignored.
/// </summary>
internal sealed class ReferenceEvaluator(AuthorizationModel model, IReadOnlyCollection<FgaTuple> tuples, int maxDepth)
{
    private readonly ILookup<(FgaObject, string), FgaUser> _stored = tuples.ToLookup(t => (t.Object, t.Relation), t => t.User);

    public bool Check(FgaUser user, FgaObject obj, string relation) => Resolve(user, obj, relation, 1, []);

    private bool Resolve(FgaUser user, FgaObject obj, string relation, int depth, List<(FgaObject, string)> path)
    {
        if (depth > maxDepth)
        {
            throw new FgaException(FgaErrorCodes.ResolutionTooComplex, "too deep");
        }

        if (path.Contains((obj, relation)))
        {
            return false;
        }

        if (user.IsUserset && user.Type == obj.Type && user.Id == obj.Id && user.Relation == relation)
        {
            return true;
        }

        if (!model.TryGetRelation(obj.Type, relation, out var info))
        {
            return false;
        }

        path.Add((obj, relation));
        try
        {
            return Evaluate(user, obj, info, info.Rewrite, depth, path);
        }
        finally
        {
            path.RemoveAt(path.Count - 1);
        }
    }

    private bool Evaluate(FgaUser user, FgaObject obj, RelationInfo info, Rewrite rewrite, int depth, List<(FgaObject, string)> path)
    {
        switch (rewrite)
        {
            case ThisRewrite:
            {
                var stored = _stored[(obj, info.Name)].Where(u => info.Allows(u)).ToList();
                if (stored.Any(u => u == user || (u.IsWildcard && user.IsObject && u.Type == user.Type)))
                {
                    return true;
                }

                foreach (var userset in stored.Where(u => u.IsUserset))
                {
                    if (Resolve(user, userset.AsObject, userset.Relation, depth + 1, path))
                    {
                        return true;
                    }
                }

                return false;
            }

            case ComputedRewrite computed:
                return Resolve(user, obj, computed.Relation, depth + 1, path);

            case TupleToUsersetRewrite ttu:
            {
                var tupleset = model.Types[obj.Type].Relations[ttu.Tupleset];
                foreach (var parent in _stored[(obj, ttu.Tupleset)])
                {
                    if (parent.IsObject && tupleset.Allows(parent) && model.TryGetRelation(parent.Type, ttu.Computed, out _)
                        && Resolve(user, parent.AsObject, ttu.Computed, depth + 1, path))
                    {
                        return true;
                    }
                }

                return false;
            }

            case SetRewrite { Kind: RewriteKind.Union } union:
                foreach (var child in union.Children)
                {
                    if (Evaluate(user, obj, info, child, depth, path))
                    {
                        return true;
                    }
                }

                return false;

            case SetRewrite intersection:
                foreach (var child in intersection.Children)
                {
                    if (!Evaluate(user, obj, info, child, depth, path))
                    {
                        return false;
                    }
                }

                return true;

            case DifferenceRewrite difference:
                return Evaluate(user, obj, info, difference.Base, depth, path) && !Evaluate(user, obj, info, difference.Subtract, depth, path);

            default:
                throw new InvalidOperationException();
        }
    }
}
