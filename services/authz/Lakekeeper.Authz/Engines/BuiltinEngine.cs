using Lakekeeper.Authz.Fga;
using Lakekeeper.Fga;
using Lakekeeper.Fga.Evaluation;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakekeeper.Authz.Engines;

/// <summary>
/// <c>builtin</c>: Lakekeeper's permission model evaluated in this process by the engine of
/// <c>Lakekeeper.Fga</c>, tuples in Postgres and in memory (<see cref="TupleCache"/>). No extra server.
/// <para>
/// A principal is <c>user:&lt;id&gt;</c>; with an assumed role it is <c>role:&lt;id&gt;#assignee</c>
/// once the user may assume it (<c>can_assume</c>). The anonymous principal holds nothing. Database
/// trouble is <see cref="AuthorizerUnavailableException"/> (503), never a decision.
/// </para>
/// </summary>
internal sealed partial class BuiltinEngine(LakekeeperStore store, FgaService service, TupleCache cache, ILogger<BuiltinEngine> logger)
    : IAuthorizationEngine
{
    private const string ListEverything = "can_list_everything";

    public string Name => AuthzBackends.Builtin;

    public async ValueTask<bool> CheckAsync(Principal principal, CheckItem item, CancellationToken cancellationToken)
    {
        var answers = await BatchCheckAsync(principal, [item], cancellationToken);
        return answers[0];
    }

    public async ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken)
    {
        return await GuardAsync(async () =>
        {
            var answers = new bool[items.Count];
            var context = await ContextAsync(principal, cancellationToken);
            if (context.User is not { } user)
            {
                return answers;
            }

            // One resolver for the batch: what one answer learns (a role's members, a namespace's grants) serves the next.
            var resolver = new CheckResolver(context.Bound.Model, context.Tuples, user);
            for (var i = 0; i < items.Count; i++)
            {
                var target = ToObject(items[i].Object);
                ValidateQuestion(context, target, items[i].Relation);
                answers[i] = await CheckOrDenyAsync(resolver, target, items[i].Relation, cancellationToken);
            }

            return (IReadOnlyList<bool>)answers;
        });
    }

    public async ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within, CancellationToken cancellationToken)
    {
        return await GuardAsync(async () =>
        {
            var context = await ContextAsync(principal, cancellationToken);
            if (context.User is not { } user)
            {
                return ObjectList.Of([]);
            }

            var model = context.Bound.Model;
            if (!model.TryGetRelation(objectType, relation, out _))
            {
                throw new AuthzArgumentException($"relation '{objectType}#{relation}' is not part of the permission model.");
            }

            // Whoever may list everything in the container needs no enumeration (admins, owners of the warehouse).
            if (within is { } container && model.TryGetRelation(container.Type, ListEverything, out _)
                && await CheckOrDenyAsync(new CheckResolver(model, context.Tuples, user), ToObject(container), ListEverything, cancellationToken))
            {
                return ObjectList.All;
            }

            try
            {
                var ids = await new ObjectLister(model, context.Tuples).ListAsync(objectType, relation, user, cancellationToken);
                return ObjectList.Of(ids);
            }
            catch (FgaException ex) when (ex.Code == FgaErrorCodes.ResolutionTooComplex)
            {
                LogTooComplex(logger, principal.ToString(), objectType + "#" + relation);
                return ObjectList.Of([]);
            }
        });
    }

    public async ValueTask WriteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken) =>
        await ChangeAsync(relationships, write: true, cancellationToken);

    public async ValueTask DeleteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken) =>
        await ChangeAsync(relationships, write: false, cancellationToken);

    public async ValueTask<RelationshipPage> ReadAsync(RelationshipQuery query, CancellationToken cancellationToken)
    {
        return await GuardAsync(async () =>
        {
            var bound = await store.GetAsync(cancellationToken);
            var filter = new TupleFilter(query.Object.Type, query.Object.Id, query.Relation, query.Subject is { } subject ? ToUser(subject) : null);
            var (tuples, next) = await service.ReadAsync(bound.StoreId, filter, query.PageSize == 0 ? 100 : query.PageSize, query.PageToken, cancellationToken);
            var relationships = tuples.Select(static t => new Relationship(
                new AuthzSubject(t.Tuple.User.Type, t.Tuple.User.Id, t.Tuple.User.IsUserset ? t.Tuple.User.Relation : null),
                t.Tuple.Relation,
                new AuthzObject(t.Tuple.Object.Type, t.Tuple.Object.Id))).ToList();
            return new RelationshipPage(relationships, next);
        });
    }

    private async Task ChangeAsync(IReadOnlyList<Relationship> relationships, bool write, CancellationToken cancellationToken)
    {
        await GuardAsync(async () =>
        {
            var bound = await store.GetAsync(cancellationToken);
            var tuples = relationships.Select(static r => new FgaTuple(ToObject(r.Object), r.Relation, ToUser(r.Subject))).Distinct().ToList();
            await service.WriteAsync(bound.StoreId, bound.ModelId, write ? tuples : [], write ? [] : tuples,
                ConflictMode.Ignore, ConflictMode.Ignore, cancellationToken, maxTuples: LocalAuthorizer.MaxRelationshipsPerWrite);
            return true;
        });
    }

    private async Task<Context> ContextAsync(Principal principal, CancellationToken cancellationToken)
    {
        var bound = await store.GetAsync(cancellationToken);
        var tuples = await cache.GetAsync(bound.StoreId, fresh: false, cancellationToken);
        if (principal.IsAnonymous)
        {
            return new Context(bound, tuples, null);
        }

        if (principal.IsRole)
        {
            return new Context(bound, tuples, FgaUser.Userset(new FgaObject(ObjectTypes.Role, principal.AssumedRoleId!), Relations.Assignee));
        }

        var user = new FgaUser(ObjectTypes.User, principal.UserId!);
        if (principal.AssumedRoleId is { Length: > 0 } roleId)
        {
            var role = new FgaObject(ObjectTypes.Role, roleId);
            if (!await CheckOrDenyAsync(new CheckResolver(bound.Model, tuples, user), role, "can_assume", cancellationToken))
            {
                // Not a member: the principal holds nothing through that role.
                return new Context(bound, tuples, null);
            }

            return new Context(bound, tuples, FgaUser.Userset(role, Relations.Assignee));
        }

        return new Context(bound, tuples, user);
    }

    private async Task<bool> CheckOrDenyAsync(CheckResolver resolver, FgaObject target, string relation, CancellationToken cancellationToken)
    {
        try
        {
            return await resolver.CheckAsync(target, relation, cancellationToken);
        }
        catch (FgaException ex) when (ex.Code == FgaErrorCodes.ResolutionTooComplex)
        {
            // Deterministic, so a retry would not help: deny, and say so in the log.
            LogTooComplex(logger, resolver.User.ToString(), $"{target}#{relation}");
            return false;
        }
    }

    private static void ValidateQuestion(Context context, FgaObject target, string relation)
    {
        if (!context.Bound.Model.TryGetRelation(target.Type, relation, out _))
        {
            throw new AuthzArgumentException($"relation '{target.Type}#{relation}' is not part of the permission model.");
        }
    }

    private static async Task<T> GuardAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (FgaException ex) when (ex.Code != FgaErrorCodes.ResolutionTooComplex)
        {
            throw new AuthzArgumentException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw new AuthorizerUnavailableException("The authorization store is unavailable.", ex);
        }
    }

    private static FgaObject ToObject(AuthzObject value) => new(value.Type, value.Id);

    private static FgaUser ToUser(AuthzSubject subject) => new(subject.Type, subject.Id, subject.Relation ?? string.Empty);

    [LoggerMessage(EventId = 330, Level = LogLevel.Warning, Message = "Authorization for {Principal} on {Target} needs more than the resolution depth limit allows; denied")]
    private static partial void LogTooComplex(ILogger logger, string principal, string target);

    private sealed record Context(LakekeeperStore.Bound Bound, TupleIndex Tuples, FgaUser? User);
}
