using System.Collections.Concurrent;
using Lakekeeper.Fga;
using Lakekeeper.Fga.Evaluation;
using Lakekeeper.Fga.Model;

namespace Lakekeeper.Authz.Fga;

/// <summary>A question with the contextual tuples that hold for it only.</summary>
internal sealed record FgaQuestion(FgaUser User, string Relation, FgaObject Object, IReadOnlyList<FgaTuple> Contextual);

/// <summary>The answer to one question of a batch: allowed, or the error that question met.</summary>
internal sealed record FgaAnswer(bool Allowed, FgaException? Error);

/// <summary>
/// The operations of the engine over Postgres: stores, models, tuples and the questions, used by
/// the OpenFGA-compatible HTTP API and by the <c>builtin</c> backend. Questions are answered from the
/// in-memory <see cref="TupleCache"/> with the compiled model (compiled once per model id).
/// </summary>
internal sealed class FgaService(FgaStoreRepository stores, FgaTupleRepository tuples, TupleCache cache)
{
    /// <summary>Most tuples one write call may carry (OpenFGA's default).</summary>
    public const int MaxTuplesPerWrite = 100;

    /// <summary>Most questions in one batch check (OpenFGA's default).</summary>
    public const int MaxChecksPerBatch = 50;

    private readonly ConcurrentDictionary<(string Store, string Model), AuthorizationModel> _compiled = new();

    public int MaxDepth { get; init; } = CheckResolver.DefaultMaxDepth;

    public async Task<FgaStore> GetStoreAsync(string storeId, CancellationToken cancellationToken) =>
        await stores.GetStoreAsync(storeId, cancellationToken) ?? throw StoreNotFound();

    public Task<FgaStore> CreateStoreAsync(string name, CancellationToken cancellationToken) => stores.CreateStoreAsync(name, cancellationToken);

    public Task<(IReadOnlyList<FgaStore> Stores, string? Next)> ListStoresAsync(int pageSize, string? token, string? name, CancellationToken cancellationToken) =>
        stores.ListStoresAsync(pageSize, token, name, cancellationToken);

    public async Task DeleteStoreAsync(string storeId, CancellationToken cancellationToken)
    {
        if (!await stores.DeleteStoreAsync(storeId, cancellationToken))
        {
            throw StoreNotFound();
        }

        cache.Forget(storeId);
    }

    /// <summary>Validates and stores a new model version; returns its id.</summary>
    public async Task<string> WriteModelAsync(string storeId, ModelDocument document, CancellationToken cancellationToken)
    {
        var model = ModelCompiler.Compile(document);
        document.Id = null;
        var id = await stores.WriteModelAsync(storeId, model.SchemaVersion, ModelJson.Serialize(document), cancellationToken)
            ?? throw StoreNotFound();
        _compiled.TryAdd((storeId, id), model);
        return id;
    }

    public async Task<FgaModelRecord> ReadModelAsync(string storeId, string modelId, CancellationToken cancellationToken)
    {
        await GetStoreAsync(storeId, cancellationToken);
        return await stores.ReadModelAsync(storeId, modelId, cancellationToken)
            ?? throw new FgaException(FgaErrorCodes.AuthorizationModelNotFound, $"Authorization Model '{modelId}' not found");
    }

    public async Task<(IReadOnlyList<FgaModelRecord> Models, string? Next)> ListModelsAsync(string storeId, int pageSize, string? token, CancellationToken cancellationToken)
    {
        await GetStoreAsync(storeId, cancellationToken);
        return await stores.ListModelsAsync(storeId, pageSize, token, cancellationToken);
    }

    /// <summary>The compiled model: the given id, or the store's latest when null.</summary>
    public async Task<(string Id, AuthorizationModel Model)> ResolveModelAsync(string storeId, string? modelId, CancellationToken cancellationToken)
    {
        if (modelId is { Length: > 0 } && _compiled.TryGetValue((storeId, modelId), out var known))
        {
            return (modelId, known);
        }

        if (modelId is { Length: > 0 } && !Ulid.IsValid(modelId))
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"invalid authorization_model_id '{modelId}'");
        }

        var record = await stores.ReadModelAsync(storeId, string.IsNullOrEmpty(modelId) ? null : modelId, cancellationToken);
        if (record is null)
        {
            await GetStoreAsync(storeId, cancellationToken);
            throw string.IsNullOrEmpty(modelId)
                ? new FgaException(FgaErrorCodes.LatestAuthorizationModelNotFound, $"No authorization models found for store '{storeId}'")
                : new FgaException(FgaErrorCodes.AuthorizationModelNotFound, $"Authorization Model '{modelId}' not found");
        }

        var model = _compiled.GetOrAdd((storeId, record.Id), static (_, json) => ModelCompiler.Compile(json), record.Json);
        return (record.Id, model);
    }

    /// <summary>Deletes then writes, atomically; every tuple written is checked against the model first.</summary>
    public async Task<long> WriteAsync(
        string storeId, string? modelId, IReadOnlyList<FgaTuple> writes, IReadOnlyList<FgaTuple> deletes,
        ConflictMode onDuplicate, ConflictMode onMissing, CancellationToken cancellationToken, int maxTuples = MaxTuplesPerWrite)
    {
        if (writes.Count + deletes.Count == 0)
        {
            throw new FgaException(FgaErrorCodes.InvalidWriteInput, "Invalid input. Make sure you provide at least one write, or at least one delete");
        }

        if (writes.Count + deletes.Count > maxTuples)
        {
            throw new FgaException(FgaErrorCodes.ExceededEntityLimit,
                $"The number of write operations exceeds the allowed limit of {maxTuples}");
        }

        var seen = new HashSet<FgaTuple>();
        foreach (var tuple in writes.Concat(deletes))
        {
            if (!seen.Add(tuple))
            {
                throw new FgaException(FgaErrorCodes.DuplicateTuplesInOneRequest,
                    $"duplicate tuple in write: user: '{tuple.User}', relation: '{tuple.Relation}', object: '{tuple.Object}'");
            }
        }

        if (writes.Count > 0)
        {
            var (_, model) = await ResolveModelAsync(storeId, modelId, cancellationToken);
            foreach (var tuple in writes)
            {
                TupleValidation.ValidateForWrite(model, tuple);
            }
        }

        var revision = await tuples.WriteAsync(storeId, deletes, writes, onMissing, onDuplicate, cancellationToken) ?? throw StoreNotFound();
        cache.Advance(storeId, revision);
        return revision;
    }

    public async Task<(IReadOnlyList<StoredTuple> Tuples, string? Next)> ReadAsync(
        string storeId, TupleFilter filter, int pageSize, string? token, CancellationToken cancellationToken)
    {
        await GetStoreAsync(storeId, cancellationToken);
        return await tuples.ReadAsync(storeId, filter, pageSize, token, cancellationToken);
    }

    public async Task<bool> CheckAsync(string storeId, string? modelId, FgaQuestion question, bool fresh, CancellationToken cancellationToken)
    {
        var (_, model) = await ResolveModelAsync(storeId, modelId, cancellationToken);
        var reader = await ReaderAsync(storeId, model, question.Contextual, fresh, cancellationToken);
        TupleValidation.ValidateQuery(model, question.Object, question.Relation, question.User);
        return await new CheckResolver(model, reader, question.User, MaxDepth).CheckAsync(question.Object, question.Relation, cancellationToken);
    }

    /// <summary>Each question answered on its own: an error in one is that question's answer, not the batch's.</summary>
    public async Task<IReadOnlyList<FgaAnswer>> BatchCheckAsync(
        string storeId, string? modelId, IReadOnlyList<FgaQuestion> questions, bool fresh, CancellationToken cancellationToken)
    {
        var (_, model) = await ResolveModelAsync(storeId, modelId, cancellationToken);
        var stored = await cache.GetAsync(storeId, fresh, cancellationToken);
        var shared = new Dictionary<FgaUser, CheckResolver>();
        var answers = new FgaAnswer[questions.Count];
        for (var i = 0; i < questions.Count; i++)
        {
            var question = questions[i];
            try
            {
                TupleValidation.ValidateQuery(model, question.Object, question.Relation, question.User);
                CheckResolver resolver;
                if (question.Contextual.Count == 0)
                {
                    // Questions about one user without contextual tuples share what they learn.
                    if (!shared.TryGetValue(question.User, out resolver!))
                    {
                        shared[question.User] = resolver = new CheckResolver(model, stored, question.User, MaxDepth);
                    }
                }
                else
                {
                    var overlay = new OverlayTupleReader(stored, new TupleIndex(TupleValidation.ValidateContextual(model, question.Contextual)));
                    resolver = new CheckResolver(model, overlay, question.User, MaxDepth);
                }

                answers[i] = new FgaAnswer(await resolver.CheckAsync(question.Object, question.Relation, cancellationToken), null);
            }
            catch (FgaException ex)
            {
                answers[i] = new FgaAnswer(false, ex);
            }
        }

        return answers;
    }

    public async Task<IReadOnlyCollection<string>> ListObjectsAsync(
        string storeId, string? modelId, string objectType, string relation, FgaUser user, IReadOnlyList<FgaTuple> contextual, bool fresh,
        CancellationToken cancellationToken)
    {
        var (_, model) = await ResolveModelAsync(storeId, modelId, cancellationToken);
        if (!model.Types.TryGetValue(objectType, out var type))
        {
            throw new FgaException(FgaErrorCodes.TypeNotFound, $"type '{objectType}' not found");
        }

        if (!type.Relations.ContainsKey(relation))
        {
            throw new FgaException(FgaErrorCodes.RelationNotFound, $"relation '{objectType}#{relation}' not found");
        }

        TupleValidation.ValidateUser(model, user);
        var reader = await ReaderAsync(storeId, model, contextual, fresh, cancellationToken);
        return await new ObjectLister(model, reader, MaxDepth).ListAsync(objectType, relation, user, cancellationToken);
    }

    public async Task<IReadOnlyList<FgaUser>> ListUsersAsync(
        string storeId, string? modelId, FgaObject obj, string relation, IReadOnlyList<UserFilter> filters, IReadOnlyList<FgaTuple> contextual,
        bool fresh, CancellationToken cancellationToken)
    {
        var (_, model) = await ResolveModelAsync(storeId, modelId, cancellationToken);
        if (!model.Types.TryGetValue(obj.Type, out var type))
        {
            throw new FgaException(FgaErrorCodes.TypeNotFound, $"type '{obj.Type}' not found");
        }

        if (!type.Relations.ContainsKey(relation))
        {
            throw new FgaException(FgaErrorCodes.RelationNotFound, $"relation '{obj.Type}#{relation}' not found");
        }

        foreach (var filter in filters)
        {
            if (!model.Types.TryGetValue(filter.Type, out var filterType))
            {
                throw new FgaException(FgaErrorCodes.TypeNotFound, $"type '{filter.Type}' not found");
            }

            if (filter.Relation is { Length: > 0 } filterRelation && !filterType.Relations.ContainsKey(filterRelation))
            {
                throw new FgaException(FgaErrorCodes.RelationNotFound, $"relation '{filter.Type}#{filterRelation}' not found");
            }
        }

        var reader = await ReaderAsync(storeId, model, contextual, fresh, cancellationToken);
        return await new UserLister(model, reader, MaxDepth).ListAsync(obj, relation, filters, cancellationToken);
    }

    private async Task<ITupleReader> ReaderAsync(
        string storeId, AuthorizationModel model, IReadOnlyList<FgaTuple> contextual, bool fresh, CancellationToken cancellationToken)
    {
        var stored = await cache.GetAsync(storeId, fresh, cancellationToken);
        return contextual.Count == 0
            ? stored
            : new OverlayTupleReader(stored, new TupleIndex(TupleValidation.ValidateContextual(model, contextual)));
    }

    private static FgaException StoreNotFound() => new(FgaErrorCodes.StoreIdNotFound, "store not found");
}
