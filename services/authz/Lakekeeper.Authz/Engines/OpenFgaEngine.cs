using System.Text.Json.Nodes;
using Lakekeeper.Authz.Fga;
using Lakekeeper.Fga;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Engines;

/// <summary>
/// <c>openfga</c>: decisions and tuples in an external OpenFGA, over its HTTP API. On first use the
/// store named <c>LAKEKEEPER__OPENFGA__STORE_NAME</c> is found or created and Lakekeeper's model is
/// written when the store's latest model differs; every request then names that model version.
/// Writes go in calls of at most 100 tuples (OpenFGA's limit), each atomic; a larger write is several
/// calls. Duplicate writes and deletes of missing tuples are ignored, as the interface promises.
/// </summary>
internal sealed partial class OpenFgaEngine(OpenFgaHttpClient client, IOptions<OpenFgaOptions> options, ILogger<OpenFgaEngine> logger)
    : IAuthorizationEngine
{
    private const int MaxTuplesPerWrite = 100;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Target? _target;

    public string Name => AuthzBackends.OpenFga;

    public async ValueTask<bool> CheckAsync(Principal principal, CheckItem item, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(cancellationToken);
        return await UserAsync(principal, target, cancellationToken) is { } user
            && await CheckAsync(target, user, item.Object.ToString(), item.Relation, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(cancellationToken);
        var answers = new bool[items.Count];
        if (await UserAsync(principal, target, cancellationToken) is not { } user)
        {
            return answers;
        }

        var size = options.Value.MaxBatchCheckSize;
        for (var start = 0; start < items.Count; start += size)
        {
            var count = Math.Min(size, items.Count - start);
            var checks = Enumerable.Range(start, count).Select(i => new
            {
                tuple_key = new { user, relation = items[i].Relation, @object = items[i].Object.ToString() },
                correlation_id = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }).ToList();
            var response = await Guard(() => client.SendAsync(HttpMethod.Post, $"stores/{target.StoreId}/batch-check",
                new { checks, authorization_model_id = target.ModelId }, cancellationToken));
            var results = response["result"]?.AsObject() ?? throw new AuthorizerUnavailableException("OpenFGA's batch-check answer has no result.");
            for (var i = start; i < start + count; i++)
            {
                var result = results[i.ToString(System.Globalization.CultureInfo.InvariantCulture)]
                    ?? throw new AuthorizerUnavailableException("OpenFGA's batch-check answer misses a question.");
                if (result["error"] is JsonObject error)
                {
                    throw new AuthzArgumentException($"OpenFGA refused a question: {error["message"]?.GetValue<string>()}");
                }

                answers[i] = result["allowed"]?.GetValue<bool>() ?? false;
            }
        }

        return answers;
    }

    public async ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(cancellationToken);
        if (await UserAsync(principal, target, cancellationToken) is not { } user)
        {
            return ObjectList.Of([]);
        }

        if (within is { } container && LakekeeperModel.Model.TryGetRelation(container.Type, "can_list_everything", out _)
            && await CheckAsync(target, user, container.ToString(), "can_list_everything", cancellationToken))
        {
            return ObjectList.All;
        }

        var response = await Guard(() => client.SendAsync(HttpMethod.Post, $"stores/{target.StoreId}/list-objects",
            new { authorization_model_id = target.ModelId, type = objectType, relation, user }, cancellationToken));
        var prefix = objectType + ":";
        return ObjectList.Of((response["objects"]?.AsArray() ?? [])
            .Select(o => o!.GetValue<string>())
            .Where(o => o.StartsWith(prefix, StringComparison.Ordinal))
            .Select(o => o[prefix.Length..]));
    }

    public ValueTask WriteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken) =>
        ChangeAsync(relationships, write: true, cancellationToken);

    public ValueTask DeleteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken) =>
        ChangeAsync(relationships, write: false, cancellationToken);

    public async ValueTask<RelationshipPage> ReadAsync(RelationshipQuery query, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(cancellationToken);
        var response = await Guard(() => client.SendAsync(HttpMethod.Post, $"stores/{target.StoreId}/read", new
        {
            tuple_key = new { @object = query.Object.ToString(), relation = query.Relation, user = query.Subject?.ToString() },
            page_size = query.PageSize == 0 ? 100 : Math.Min(query.PageSize, 100),
            continuation_token = query.PageToken,
        }, cancellationToken));
        var relationships = new List<Relationship>();
        foreach (var tuple in response["tuples"]?.AsArray() ?? [])
        {
            var key = tuple!["key"]!;
            var parsed = TupleValidation.Parse(key["user"]!.GetValue<string>(), key["relation"]!.GetValue<string>(), key["object"]!.GetValue<string>());
            relationships.Add(new Relationship(
                new AuthzSubject(parsed.User.Type, parsed.User.Id, parsed.User.IsUserset ? parsed.User.Relation : null),
                parsed.Relation,
                new AuthzObject(parsed.Object.Type, parsed.Object.Id)));
        }

        var next = response["continuation_token"]?.GetValue<string>();
        return new RelationshipPage(relationships, string.IsNullOrEmpty(next) ? null : next);
    }

    private async ValueTask ChangeAsync(IReadOnlyList<Relationship> relationships, bool write, CancellationToken cancellationToken)
    {
        var target = await TargetAsync(cancellationToken);
        var keys = relationships.Select(static r => new TupleKey(r.Subject.ToString(), r.Relation, r.Object.ToString())).Distinct().ToList();
        foreach (var chunk in keys.Chunk(MaxTuplesPerWrite))
        {
            object body = write
                ? new { writes = new { tuple_keys = chunk, on_duplicate = "ignore" }, authorization_model_id = target.ModelId }
                : new { deletes = new { tuple_keys = chunk, on_missing = "ignore" }, authorization_model_id = target.ModelId };
            await Guard(() => client.SendAsync(HttpMethod.Post, $"stores/{target.StoreId}/write", body, cancellationToken));
        }
    }

    private async Task<bool> CheckAsync(Target target, string user, string obj, string relation, CancellationToken cancellationToken)
    {
        var response = await Guard(() => client.SendAsync(HttpMethod.Post, $"stores/{target.StoreId}/check", new
        {
            tuple_key = new { user, relation, @object = obj },
            authorization_model_id = target.ModelId,
        }, cancellationToken));
        return response["allowed"]?.GetValue<bool>() ?? false;
    }

    /// <summary>The OpenFGA user for a principal; null when it holds nothing (anonymous, or a role it may not assume).</summary>
    private async Task<string?> UserAsync(Principal principal, Target target, CancellationToken cancellationToken)
    {
        if (principal.IsAnonymous)
        {
            return null;
        }

        if (principal.IsRole)
        {
            return $"role:{principal.AssumedRoleId}#assignee";
        }

        var user = "user:" + principal.UserId;
        if (principal.AssumedRoleId is not { Length: > 0 } roleId)
        {
            return user;
        }

        return await CheckAsync(target, user, "role:" + roleId, "can_assume", cancellationToken) ? $"role:{roleId}#assignee" : null;
    }

    private async ValueTask<Target> TargetAsync(CancellationToken cancellationToken)
    {
        if (_target is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _target ??= await BootstrapAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Target> BootstrapAsync(CancellationToken cancellationToken)
    {
        var name = options.Value.StoreName;
        string? storeId = null;
        string? token = null;
        do
        {
            var page = await Guard(() => client.SendAsync(HttpMethod.Get,
                "stores?page_size=100" + (token is null ? string.Empty : "&continuation_token=" + Uri.EscapeDataString(token)), null, cancellationToken));
            storeId = (page["stores"]?.AsArray() ?? []).FirstOrDefault(s => s?["name"]?.GetValue<string>() == name)?["id"]?.GetValue<string>();
            token = page["continuation_token"]?.GetValue<string>();
        }
        while (storeId is null && !string.IsNullOrEmpty(token));

        if (storeId is null)
        {
            var created = await Guard(() => client.SendAsync(HttpMethod.Post, "stores", new { name }, cancellationToken));
            storeId = created["id"]!.GetValue<string>();
            LogStoreCreated(logger, name, storeId);
        }

        var models = await Guard(() => client.SendAsync(HttpMethod.Get, $"stores/{storeId}/authorization-models?page_size=1", null, cancellationToken));
        var latest = models["authorization_models"]?.AsArray().FirstOrDefault();
        if (latest is not null && LakekeeperModel.SameModel(latest.ToJsonString(), LakekeeperModel.Json))
        {
            return new Target(storeId, latest["id"]!.GetValue<string>());
        }

        var written = await Guard(() => client.SendAsync(HttpMethod.Post, $"stores/{storeId}/authorization-models",
            JsonNode.Parse(LakekeeperModel.Json), cancellationToken));
        var modelId = written["authorization_model_id"]!.GetValue<string>();
        LogModelWritten(logger, name, storeId, modelId);
        return new Target(storeId, modelId);
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (FgaException ex)
        {
            throw new AuthzArgumentException($"OpenFGA refused the request: {ex.Code}: {ex.Message}", ex);
        }
    }

    [LoggerMessage(EventId = 340, Level = LogLevel.Information, Message = "Created OpenFGA store '{StoreName}' ({StoreId})")]
    private static partial void LogStoreCreated(ILogger logger, string storeName, string storeId);

    [LoggerMessage(EventId = 341, Level = LogLevel.Information, Message = "Wrote Lakekeeper's permission model to OpenFGA store '{StoreName}' ({StoreId}) as {ModelId}")]
    private static partial void LogModelWritten(ILogger logger, string storeName, string storeId, string modelId);

    private sealed record Target(string StoreId, string ModelId);

    private sealed record TupleKey(string User, string Relation, string Object)
    {
        [System.Text.Json.Serialization.JsonPropertyName("user")]
        public string User { get; } = User;

        [System.Text.Json.Serialization.JsonPropertyName("relation")]
        public string Relation { get; } = Relation;

        [System.Text.Json.Serialization.JsonPropertyName("object")]
        public string Object { get; } = Object;
    }
}
