using System.Text.Json;
using Lakekeeper.Authz.Fga;
using Lakekeeper.Fga;
using Lakekeeper.Fga.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Lakekeeper.Authz.OpenFgaApi.OpenFgaJson;

namespace Lakekeeper.Authz.OpenFgaApi;

/// <summary>
/// OpenFGA's HTTP API, the subset the catalog and OpenFGA's SDKs use: stores, authorization models,
/// write, read, check, batch-check, list-objects, list-users. Request and response shapes, error
/// bodies and status codes follow OpenFGA, so its own clients work unchanged. Served only on the
/// OpenFGA port (see <see cref="OpenFgaPort"/>).
/// </summary>
internal static partial class OpenFgaApiEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        // The API authenticates its callers itself (preshared keys, OpenFgaGate): the catalog's caller
        // policy (a token of the identity provider) does not apply here.
        var stores = endpoints.MapGroup("/stores").RequireOpenFgaPort().AllowAnonymous();
        stores.MapPost("", CreateStore);
        stores.MapGet("", ListStores);
        stores.MapGet("/{storeId}", GetStore);
        stores.MapDelete("/{storeId}", DeleteStore);
        stores.MapPost("/{storeId}/authorization-models", WriteModel);
        stores.MapGet("/{storeId}/authorization-models", ListModels);
        stores.MapGet("/{storeId}/authorization-models/{modelId}", ReadModel);
        stores.MapPost("/{storeId}/write", Write);
        stores.MapPost("/{storeId}/read", Read);
        stores.MapPost("/{storeId}/check", Check);
        stores.MapPost("/{storeId}/batch-check", BatchCheck);
        stores.MapPost("/{storeId}/list-objects", ListObjects);
        stores.MapPost("/{storeId}/list-users", ListUsers);
        stores.MapFallback(static () => OpenFgaErrors.Error(StatusCodes.Status404NotFound, "undefined_endpoint", "Not Found"));
        stores.AddEndpointFilter(static async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (Exception ex) when (OpenFgaErrors.Translate(ex) is { } translated)
            {
                if (translated is IStatusCodeHttpResult { StatusCode: >= 500 })
                {
                    LogUnavailable(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Lakekeeper.Authz.OpenFgaApi"), ex);
                }

                return translated;
            }
        });
    }

    private static async Task<IResult> CreateStore(HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var name = String(body, "name");
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64)
        {
            throw new RequestException("'name' is required and at most 64 characters");
        }

        var store = await service.CreateStoreAsync(name, cancellationToken);
        return Results.Json(StoreBody(store), Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListStores(HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var (stores, next) = await service.ListStoresAsync(
            PageSize(query["page_size"]), query["continuation_token"], query["name"] is { Count: > 0 } name && name[0] is { Length: > 0 } n ? n : null,
            cancellationToken);
        return Results.Json(new { stores = stores.Select(StoreBody), continuation_token = next ?? string.Empty }, Options);
    }

    private static async Task<IResult> GetStore(string storeId, FgaService service, CancellationToken cancellationToken) =>
        Results.Json(StoreBody(await service.GetStoreAsync(StoreId(storeId), cancellationToken)), Options);

    private static async Task<IResult> DeleteStore(string storeId, FgaService service, CancellationToken cancellationToken)
    {
        await service.DeleteStoreAsync(StoreId(storeId), cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> WriteModel(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        ModelDocument document;
        try
        {
            document = body.Deserialize<ModelDocument>(ModelJson.Options) ?? throw new RequestException("the model is empty");
        }
        catch (JsonException ex)
        {
            throw new RequestException($"the model is not valid: {ex.Message}");
        }

        var id = await service.WriteModelAsync(StoreId(storeId), document, cancellationToken);
        return Results.Json(new { authorization_model_id = id }, Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListModels(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var (models, next) = await service.ListModelsAsync(StoreId(storeId), PageSize(request.Query["page_size"]), request.Query["continuation_token"], cancellationToken);
        return Results.Json(new { authorization_models = models.Select(ModelBody), continuation_token = next ?? string.Empty }, Options);
    }

    private static async Task<IResult> ReadModel(string storeId, string modelId, FgaService service, CancellationToken cancellationToken)
    {
        var model = await service.ReadModelAsync(StoreId(storeId), ModelId(modelId), cancellationToken);
        return Results.Json(new { authorization_model = ModelBody(model) }, Options);
    }

    private static async Task<IResult> Write(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var writes = Object(body, "writes");
        var deletes = Object(body, "deletes");
        var writeTuples = writes is { } w ? Array(w, "tuple_keys").Select(TupleKey).ToList() : [];
        var deleteTuples = deletes is { } d ? Array(d, "tuple_keys").Select(TupleKey).ToList() : [];
        await service.WriteAsync(StoreId(storeId), ModelIdOrNull(body), writeTuples, deleteTuples,
            Mode(writes, "on_duplicate"), Mode(deletes, "on_missing"), cancellationToken);
        return Results.Json(new { }, Options);
    }

    private static async Task<IResult> Read(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var filter = new TupleFilter(null, null, null, null);
        if (Object(body, "tuple_key") is { } key)
        {
            var obj = String(key, "object");
            var relation = String(key, "relation");
            var user = String(key, "user");
            string? objectType = null, objectId = null;
            if (obj is { Length: > 0 })
            {
                var colon = obj.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new FgaException(FgaErrorCodes.ValidationError, $"invalid 'object' field format: '{obj}'");
                }

                objectType = obj[..colon];
                objectId = colon == obj.Length - 1 ? null : obj[(colon + 1)..];
                if (objectId is null && string.IsNullOrEmpty(user))
                {
                    throw new FgaException(FgaErrorCodes.ValidationError, "the 'user' field is required when the object has only a type");
                }
            }
            else if (!string.IsNullOrEmpty(relation) || !string.IsNullOrEmpty(user))
            {
                throw new FgaException(FgaErrorCodes.ValidationError, "the 'object' field (at least its type) is required to filter by relation or user");
            }

            filter = new TupleFilter(objectType, objectId, string.IsNullOrEmpty(relation) ? null : relation,
                string.IsNullOrEmpty(user) ? null : FgaUser.Parse(user));
        }

        var (tuples, next) = await service.ReadAsync(StoreId(storeId), filter, PageSize(body), String(body, "continuation_token"), cancellationToken);
        return Results.Json(new
        {
            tuples = tuples.Select(static t => new
            {
                key = new { user = t.Tuple.User.ToString(), relation = t.Tuple.Relation, @object = t.Tuple.Object.ToString() },
                timestamp = Timestamp(t.InsertedAt),
            }),
            continuation_token = next ?? string.Empty,
        }, Options);
    }

    private static async Task<IResult> Check(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var key = Object(body, "tuple_key") ?? throw new RequestException("'tuple_key' is required");
        var allowed = await service.CheckAsync(StoreId(storeId), ModelIdOrNull(body), Question(key, Contextual(body)), HigherConsistency(body), cancellationToken);
        return Results.Json(new { allowed, resolution = string.Empty }, Options);
    }

    private static async Task<IResult> BatchCheck(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var items = Array(body, "checks").ToList();
        if (items.Count == 0)
        {
            throw new RequestException("'checks' must have at least one item");
        }

        if (items.Count > FgaService.MaxChecksPerBatch)
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"'checks' may have at most {FgaService.MaxChecksPerBatch} items");
        }

        var ids = new List<string>(items.Count);
        var questions = new List<FgaQuestion>(items.Count);
        foreach (var item in items)
        {
            var id = RequiredString(item, "correlation_id", "checks[].correlation_id");
            if (ids.Contains(id, StringComparer.Ordinal))
            {
                throw new FgaException(FgaErrorCodes.ValidationError, $"duplicate correlation_id '{id}'");
            }

            ids.Add(id);
            var key = Object(item, "tuple_key") ?? throw new RequestException("'checks[].tuple_key' is required");
            questions.Add(Question(key, Contextual(item)));
        }

        var answers = await service.BatchCheckAsync(StoreId(storeId), ModelIdOrNull(body), questions, HigherConsistency(body), cancellationToken);
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            result[ids[i]] = answers[i].Error is { } error
                ? new { allowed = false, error = new { input_error = error.Code, message = error.Message } }
                : new { allowed = answers[i].Allowed };
        }

        return Results.Json(new { result }, Options);
    }

    private static async Task<IResult> ListObjects(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var type = RequiredString(body, "type");
        var relation = RequiredString(body, "relation");
        var user = FgaUser.Parse(RequiredString(body, "user"));
        var ids = await service.ListObjectsAsync(StoreId(storeId), ModelIdOrNull(body), type, relation, user, Contextual(body), HigherConsistency(body), cancellationToken);
        return Results.Json(new { objects = ids.Select(id => type + ":" + id) }, Options);
    }

    private static async Task<IResult> ListUsers(string storeId, HttpRequest request, FgaService service, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var obj = Object(body, "object") ?? throw new RequestException("'object' is required");
        var target = new FgaObject(RequiredString(obj, "type", "object.type"), RequiredString(obj, "id", "object.id"));
        var relation = RequiredString(body, "relation");
        var filters = Array(body, "user_filters").Select(Filter).ToList();
        if (filters.Count == 0)
        {
            throw new RequestException("'user_filters' must have at least one item");
        }

        var contextual = Array(body, "contextual_tuples").Select(TupleKey).ToList();
        var users = await service.ListUsersAsync(StoreId(storeId), ModelIdOrNull(body), target, relation, filters, contextual, HigherConsistency(body), cancellationToken);
        return Results.Json(new { users = users.Select(UserResponse) }, Options);
    }

    private static FgaQuestion Question(JsonElement key, IReadOnlyList<FgaTuple> contextual)
    {
        var user = RequiredString(key, "user", "tuple_key.user");
        var relation = RequiredString(key, "relation", "tuple_key.relation");
        var obj = RequiredString(key, "object", "tuple_key.object");
        var parsed = TupleValidation.Parse(user, relation, obj);
        return new FgaQuestion(parsed.User, parsed.Relation, parsed.Object, contextual);
    }

    private static ConflictMode Mode(JsonElement? section, string name) =>
        section is { } s && String(s, name) is { } value
            ? value switch
            {
                "error" or "" => ConflictMode.Error,
                "ignore" => ConflictMode.Ignore,
                _ => throw new RequestException($"'{name}' must be 'error' or 'ignore'"),
            }
            : ConflictMode.Error;

    private static string StoreId(string storeId) =>
        Ulid.IsValid(storeId) ? storeId : throw new FgaException(FgaErrorCodes.ValidationError, $"invalid store_id '{storeId}': must be a ULID");

    private static string ModelId(string modelId) =>
        Ulid.IsValid(modelId) ? modelId : throw new FgaException(FgaErrorCodes.ValidationError, $"invalid authorization_model_id '{modelId}': must be a ULID");

    private static string? ModelIdOrNull(JsonElement body) => String(body, "authorization_model_id") is { Length: > 0 } id ? ModelId(id) : null;

    private static object StoreBody(FgaStore store) => new
    {
        id = store.Id,
        name = store.Name,
        created_at = Timestamp(store.CreatedAt),
        updated_at = Timestamp(store.UpdatedAt),
    };

    private static JsonElement ModelBody(FgaModelRecord model)
    {
        // The stored document with its id, as OpenFGA returns it.
        var node = System.Text.Json.Nodes.JsonNode.Parse(model.Json)!.AsObject();
        node.Remove("id");
        var result = new System.Text.Json.Nodes.JsonObject { ["id"] = model.Id };
        foreach (var (name, value) in node.ToList())
        {
            node.Remove(name);
            result[name] = value;
        }

        result["conditions"] ??= new System.Text.Json.Nodes.JsonObject();
        return JsonSerializer.SerializeToElement(result);
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "OpenFGA API request failed: the store is unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
