using System.Globalization;
using System.Text;
using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence.Catalog;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// <c>POST /v1/{prefix}/events</c>: the stored change events read back in the shape of the Iceberg
/// events proposal (apache/iceberg#12584), paged with an opaque continuation token and filtered by
/// time, operation type, object name prefix, object id and object type — and by what the caller may
/// see. Events appear once their transaction and every older one have finished, so following the
/// token never skips one (docs/events.md).
/// </summary>
internal sealed record ChangeLogPage(IReadOnlyList<ChangeLogEntry> Events, ChangeLogPosition? Last);

/// <summary>The events API's logic: parse, read, filter by visibility (rendered by <see cref="Http.ChangeLogRendering"/>).</summary>
internal sealed class ChangeLogService(ChangeLogRepository changeLog, AccessGuard access, IOptions<CatalogOptions> options)
{
    /// <summary>The operation type of each stored event type, as the proposal names them.</summary>
    internal static readonly Dictionary<string, string> OperationTypes = new(StringComparer.Ordinal)
    {
        ["createNamespace"] = "create-namespace",
        ["updateNamespaceProperties"] = "update-namespace-properties",
        ["dropNamespace"] = "drop-namespace",
        ["createTable"] = "create-table",
        ["registerTable"] = "register-table",
        ["updateTable"] = "update-table",
        ["dropTable"] = "drop-table",
        ["renameTable"] = "rename-table",
        ["createView"] = "create-view",
        ["registerView"] = "register-view",
        ["updateView"] = "update-view",
        ["dropView"] = "drop-view",
        ["renameView"] = "rename-view",

        // Not in the proposal: custom operations, named with its "x-" prefix (docs/events.md).
        ["undropTabulars"] = "x-undrop-tabulars",
        ["moveNamespace"] = "x-move-namespace",
    };

    private static readonly Dictionary<string, string> EventTypes = OperationTypes.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    private static readonly string[] ObjectTypeNames = ["namespace", "table", "view"];

    /// <summary>Pages read per request when what the caller may not see leaves a page empty.</summary>
    private const int MaxReadsPerRequest = 10;

    private sealed record Request(ChangeLogQuery Query, int PageSize);

    public async Task<Result<ChangeLogPage>> QueryAsync(WarehouseContext warehouse, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (await access.RequireAsync(AuthzObject.Warehouse(warehouse.Id.ToString()), Relations.CanGetConfig,
                () => CatalogErrors.NoSuchWarehouse(warehouse.Id.ToString()), cancellationToken) is { } denied)
        {
            return denied;
        }

        var parsed = Parse(warehouse, body);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var query = parsed.Value.Query;
        var visible = new List<ChangeLogEntry>();
        var last = query.After;
        for (var read = 0; read < MaxReadsPerRequest && visible.Count == 0; read++)
        {
            var page = await changeLog.ReadAsync(query with { After = last }, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            last = page[^1].Position;
            visible.AddRange(await VisibleAsync(warehouse, page, cancellationToken));
            if (page.Count < query.Limit)
            {
                break;
            }
        }

        return new ChangeLogPage(visible, last);
    }

    /// <summary>The entries of a page the caller may see (one list-objects call per object type on the page).</summary>
    private async Task<IEnumerable<ChangeLogEntry>> VisibleAsync(WarehouseContext warehouse, IReadOnlyList<ChangeLogEntry> page, CancellationToken cancellationToken)
    {
        var within = AuthzObject.Warehouse(warehouse.Id.ToString());
        var lists = new Dictionary<string, ObjectList>(StringComparer.Ordinal);
        foreach (var type in page.Select(e => e.ObjectType).Distinct())
        {
            lists[type] = await access.VisibleAsync(AuthzType(type), within, cancellationToken);
        }

        return page.Where(e => lists[e.ObjectType].Contains(e.ObjectId.ToString()));
    }

    private static string AuthzType(string objectType) => objectType switch
    {
        "table" => ObjectTypes.Table,
        "view" => ObjectTypes.View,
        _ => ObjectTypes.Namespace,
    };

    private Result<Request> Parse(WarehouseContext warehouse, ReadOnlyMemory<byte> body)
    {
        var settings = options.Value;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
        }
        catch (JsonException)
        {
            return IcebergError.BadRequest("The request body must be a JSON object (QueryEventsRequest)");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return IcebergError.BadRequest("The request body must be a JSON object (QueryEventsRequest)");
            }

            ChangeLogPosition? after = null;
            if (Field(root, "continuation-token") is { } token)
            {
                if (token.ValueKind != JsonValueKind.String || ParseToken(token.GetString()!) is not { } position)
                {
                    return IcebergError.BadRequest("continuation-token is not a token this server returned");
                }

                after = position;
            }

            var pageSize = settings.PageSizeDefault;
            if (Field(root, "page-size") is { } size)
            {
                if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt32(out pageSize) || pageSize < 1)
                {
                    return IcebergError.BadRequest("page-size must be a positive integer");
                }

                pageSize = Math.Min(pageSize, settings.PageSizeMax);
            }

            DateTimeOffset? since = null;
            if ((Field(root, "since-timestamp-ms") ?? Field(root, "after-timestamp-ms")) is { } timestamp)
            {
                if (timestamp.ValueKind != JsonValueKind.Number || !timestamp.TryGetInt64(out var ms) || ms < 0 || ms > 253_402_300_799_999)
                {
                    return IcebergError.BadRequest("since-timestamp-ms must be milliseconds since the epoch");
                }

                since = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            }

            if (StringList(root, "operation-types", out var operations) is { } badOperations)
            {
                return badOperations;
            }

            List<string>? eventTypes = null;
            if (operations is { } operationTypes)
            {
                eventTypes = [];
                foreach (var operation in operationTypes)
                {
                    if (!EventTypes.TryGetValue(operation, out var eventType))
                    {
                        return IcebergError.BadRequest($"Unknown operation type '{operation}'; known: {string.Join(", ", EventTypes.Keys)}");
                    }

                    eventTypes.Add(eventType);
                }
            }

            if (StringList(root, "object-types", out var objectTypes) is { } badObjectTypes)
            {
                return badObjectTypes;
            }

            if (objectTypes?.FirstOrDefault(t => !ObjectTypeNames.Contains(t, StringComparer.Ordinal)) is { } unknownType)
            {
                return IcebergError.BadRequest($"Unknown object type '{unknownType}'; known: namespace, table, view");
            }

            if (ObjectIds(root, out var ids) is { } badIds)
            {
                return badIds;
            }

            if (NamePrefixes(root, out var names) is { } badNames)
            {
                return badNames;
            }

            if (Field(root, "custom-filters") is { ValueKind: JsonValueKind.Object } custom && custom.EnumerateObject().Any())
            {
                return IcebergError.BadRequest("custom-filters are not supported by this catalog");
            }

            return new Request(new ChangeLogQuery(warehouse.Id, after, since, eventTypes, objectTypes, ids, names, pageSize), pageSize);
        }
    }

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static IcebergError? StringList(JsonElement root, string name, out IReadOnlyList<string>? list)
    {
        list = null;
        if (Field(root, name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            return IcebergError.BadRequest($"{name} must be an array of strings");
        }

        list = [.. value.EnumerateArray().Select(v => v.GetString()!)];
        return null;
    }

    /// <summary><c>catalog-objects-by-id</c>: <c>[{"uuid":"…","type":"table"}]</c> (the type is optional; a plain string is accepted too).</summary>
    private static IcebergError? ObjectIds(JsonElement root, out IReadOnlyList<Guid>? list)
    {
        list = null;
        if (Field(root, "catalog-objects-by-id") is not { } value)
        {
            return null;
        }

        const string Shape = "catalog-objects-by-id must be an array of {\"uuid\": \"…\", \"type\": \"namespace|table|view\"}";
        if (value.ValueKind != JsonValueKind.Array)
        {
            return IcebergError.BadRequest(Shape);
        }

        var ids = new List<Guid>();
        foreach (var item in value.EnumerateArray())
        {
            var uuid = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("uuid", out var u) ? u : item;
            if (uuid.ValueKind != JsonValueKind.String || !Guid.TryParse(uuid.GetString(), out var id))
            {
                return IcebergError.BadRequest(Shape);
            }

            ids.Add(id);
        }

        list = ids;
        return null;
    }

    /// <summary><c>catalog-objects-by-name</c>: <c>[["db"], ["db", "orders"]]</c>, each a prefix of an object's name parts.</summary>
    private static IcebergError? NamePrefixes(JsonElement root, out IReadOnlyList<IReadOnlyList<string>>? list)
    {
        list = null;
        if (Field(root, "catalog-objects-by-name") is not { } value)
        {
            return null;
        }

        const string Shape = "catalog-objects-by-name must be an array of name-part arrays, e.g. [[\"db\"], [\"db\", \"orders\"]]";
        if (value.ValueKind != JsonValueKind.Array)
        {
            return IcebergError.BadRequest(Shape);
        }

        var prefixes = new List<IReadOnlyList<string>>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() == 0 || item.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String))
            {
                return IcebergError.BadRequest(Shape);
            }

            prefixes.Add([.. item.EnumerateArray().Select(p => p.GetString()!)]);
        }

        list = prefixes;
        return null;
    }

    internal static string Token(ChangeLogPosition position) =>
        System.Buffers.Text.Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"1:{position.Xid}:{position.Seq}")));

    private static ChangeLogPosition? ParseToken(string token)
    {
        try
        {
            var parts = Encoding.ASCII.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token)).Split(':');
            return parts.Length == 3 && parts[0] == "1"
                && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var xid)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
                ? new ChangeLogPosition(xid, seq)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
