using Lakekeeper.Fga.Model;

namespace Lakekeeper.Fga.Evaluation;

/// <summary>
/// Answers "does <see cref="User"/> have relation R on object O?" by walking the model's rewrites
/// over the tuples of an <see cref="ITupleReader"/>.
/// <para>
/// Semantics (the same as a plain recursive reading of the model, which the tests use as reference):
/// <c>this</c> holds when a stored tuple names the user exactly, a wildcard of the user's type, or a
/// userset that holds the user; <c>computed</c>, <c>x from tupleset</c>, <c>or</c>, <c>and</c>,
/// <c>but not</c> as written. Tuples that the model's type restrictions no longer allow are ignored.
/// A userset user <c>T:id#r</c> holds <c>r</c> on <c>T:id</c> itself. A relation already being
/// resolved on the current path counts as false there (cycle detection), and a path longer than the
/// depth limit (25, as OpenFGA) fails the whole question with
/// <see cref="FgaErrorCodes.ResolutionTooComplex"/>.
/// </para>
/// <para>
/// A resolver belongs to one user and one question at a time (not thread-safe); it remembers every
/// answer that does not depend on the path that led to it, so the questions of a batch, or of
/// list-objects, share the work.
/// </para>
/// </summary>
public sealed class CheckResolver
{
    /// <summary>OpenFGA's default resolution depth.</summary>
    public const int DefaultMaxDepth = 25;

        private readonly AuthorizationModel _model;
    private readonly ITupleReader _reader;
    private readonly int _maxDepth;
    private readonly Dictionary<Node, Memo> _memo = [];
    private readonly HashSet<Node> _path = [];

    public CheckResolver(AuthorizationModel model, ITupleReader reader, FgaUser user, int maxDepth = DefaultMaxDepth)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        _model = model;
        _reader = reader;
        _maxDepth = maxDepth;
        User = user;
    }

    public FgaUser User { get; }

    /// <summary>How many relations were resolved (memoised answers not counted): a measure of cost.</summary>
    public int Resolutions { get; private set; }

    public async ValueTask<bool> CheckAsync(FgaObject obj, string relation, CancellationToken cancellationToken = default)
    {
        _path.Clear();
        var result = await ResolveAsync(new Node(obj.Type, obj.Id, relation), 1, cancellationToken);
        return result.Value;
    }

    private async ValueTask<Result> ResolveAsync(Node node, int depth, CancellationToken cancellationToken)
    {
        if (depth > _maxDepth)
        {
            throw TooComplex();
        }

        if (_memo.TryGetValue(node, out var memo))
        {
            // A remembered answer was found without meeting any cycle, so resolving it again here would
            // walk the same relations: past the limit it would fail, so fail.
            if (depth + memo.Height - 1 > _maxDepth)
            {
                throw TooComplex();
            }

            return new Result(memo.Value, memo.Height, CutFree: true);
        }

        if (_path.Contains(node))
        {
            // A cycle: this relation is already being resolved further up; false on this path.
            return new Result(false, 1, CutFree: false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        Resolutions++;
        Result result;
        if (User.IsUserset && User.Type == node.Type && User.Id == node.Id && User.Relation == node.Relation)
        {
            result = new Result(true, 1, CutFree: true);
        }
        else if (!_model.TryGetRelation(node.Type, node.Relation, out var relation))
        {
            result = new Result(false, 1, CutFree: true);
        }
        else
        {
            _path.Add(node);
            try
            {
                var inner = await EvaluateAsync(node, relation, relation.Rewrite, depth, cancellationToken);
                result = inner with { Height = inner.Height + 1 };
            }
            finally
            {
                _path.Remove(node);
            }
        }

        // Only answers whose resolution met no cycle are remembered: such an answer is the same from
        // wherever the relation is reached (an answer cut short by a cycle depends on the path).
        if (result.CutFree)
        {
            _memo[node] = new Memo(result.Value, result.Height);
        }

        return result;
    }

    private FgaException TooComplex() =>
        new(FgaErrorCodes.ResolutionTooComplex,
            $"Authorization Model resolution required too many rewrite rules to be resolved (more than {_maxDepth} levels). Check your authorization model for infinite recursion or too much nesting");

    private async ValueTask<Result> EvaluateAsync(Node node, RelationInfo relation, Rewrite rewrite, int depth, CancellationToken cancellationToken)
    {
        switch (rewrite)
        {
            case ThisRewrite:
                return await EvaluateDirectAsync(node, relation, depth, cancellationToken);

            case ComputedRewrite computed:
                return await ResolveAsync(node with { Relation = computed.Relation }, depth + 1, cancellationToken);

            case TupleToUsersetRewrite ttu:
                return await EvaluateTupleToUsersetAsync(node, ttu, depth, cancellationToken);

            case SetRewrite { Kind: RewriteKind.Union } union:
            {
                var combined = new Result(false, 0, CutFree: true);
                foreach (var child in union.Children)
                {
                    var result = await EvaluateAsync(node, relation, child, depth, cancellationToken);
                    combined = combined.Join(result, result.Value);
                    if (result.Value)
                    {
                        return combined;
                    }
                }

                return combined;
            }

            case SetRewrite intersection:
            {
                var combined = new Result(true, 0, CutFree: true);
                foreach (var child in intersection.Children)
                {
                    var result = await EvaluateAsync(node, relation, child, depth, cancellationToken);
                    combined = combined.Join(result, result.Value);
                    if (!result.Value)
                    {
                        return combined;
                    }
                }

                return combined;
            }

            case DifferenceRewrite difference:
            {
                var baseResult = await EvaluateAsync(node, relation, difference.Base, depth, cancellationToken);
                if (!baseResult.Value)
                {
                    return baseResult;
                }

                var subtract = await EvaluateAsync(node, relation, difference.Subtract, depth, cancellationToken);
                return baseResult.Join(subtract, !subtract.Value);
            }

            default:
                throw new InvalidOperationException($"Unknown rewrite {rewrite.Kind}.");
        }
    }

    private async ValueTask<Result> EvaluateDirectAsync(Node node, RelationInfo relation, int depth, CancellationToken cancellationToken)
    {
        var users = await _reader.ReadUsersAsync(node.Type, node.Id, node.Relation, cancellationToken);
        var user = User;
        var hasUsersets = false;
        for (var i = 0; i < users.Count; i++)
        {
            var candidate = users[i];
            if (!relation.Allows(candidate))
            {
                continue;
            }

            if (candidate == user || (candidate.IsWildcard && user.IsObject && candidate.Type == user.Type))
            {
                return new Result(true, 0, CutFree: true);
            }

            hasUsersets |= candidate.IsUserset;
        }

        var combined = new Result(false, 0, CutFree: true);
        if (!hasUsersets)
        {
            return combined;
        }

        for (var i = 0; i < users.Count; i++)
        {
            var candidate = users[i];
            if (!candidate.IsUserset || !relation.Allows(candidate))
            {
                continue;
            }

            var result = await ResolveAsync(new Node(candidate.Type, candidate.Id, candidate.Relation), depth + 1, cancellationToken);
            combined = combined.Join(result, result.Value);
            if (result.Value)
            {
                return combined;
            }
        }

        return combined;
    }

    private async ValueTask<Result> EvaluateTupleToUsersetAsync(Node node, TupleToUsersetRewrite ttu, int depth, CancellationToken cancellationToken)
    {
        var tupleset = _model.Types[node.Type].Relations[ttu.Tupleset];
        var related = await _reader.ReadUsersAsync(node.Type, node.Id, ttu.Tupleset, cancellationToken);
        var combined = new Result(false, 0, CutFree: true);
        for (var i = 0; i < related.Count; i++)
        {
            var parent = related[i];
            if (!parent.IsObject || !tupleset.Allows(parent) || !_model.TryGetRelation(parent.Type, ttu.Computed, out _))
            {
                continue;
            }

            var result = await ResolveAsync(new Node(parent.Type, parent.Id, ttu.Computed), depth + 1, cancellationToken);
            combined = combined.Join(result, result.Value);
            if (result.Value)
            {
                return combined;
            }
        }

        return combined;
    }

    private readonly record struct Node(string Type, string Id, string Relation);

    private readonly record struct Memo(bool Value, int Height);

    /// <summary>
    /// An answer with what it cost: <see cref="Height"/> levels below, and whether its resolution met
    /// no cycle (<see cref="CutFree"/>).
    /// </summary>
    private readonly record struct Result(bool Value, int Height, bool CutFree)
    {
        public Result Join(Result other, bool value) =>
            new(value, Math.Max(Height, other.Height), CutFree && other.CutFree);
    }
}
