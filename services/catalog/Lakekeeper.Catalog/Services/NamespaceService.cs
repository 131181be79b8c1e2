using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Catalog.Services;

/// <summary>Namespaces: list, create, load, exists, drop, update properties.</summary>
internal sealed class NamespaceService(
    NamespaceRepository namespaces, NpgsqlDataSource dataSource, AccessGuard access, Identifiers identifiers)
{
    public async Task<CatalogResponse> ListAsync(
        WarehouseContext warehouse, string? parent, Paging paging, CancellationToken cancellationToken)
    {
        NamespaceId? parentId = null;
        var container = AuthzObject.Warehouse(warehouse.Id.ToString());
        if (parent is { Length: > 0 })
        {
            var levels = Identifiers.SplitNamespace(parent);
            var found = await namespaces.GetAsync(warehouse.Id, levels, cancellationToken);
            if (found is null)
            {
                return CatalogResponse.Error(CatalogErrors.NoSuchNamespace(levels));
            }

            parentId = found.Id;
            container = AuthzObject.Namespace(found.Id.ToString());
        }

        if (await access.RequireAsync(container, Relations.CanListNamespaces,
                () => CatalogErrors.NoSuchNamespace(parent is null ? [] : Identifiers.SplitNamespace(parent)), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        var rows = await namespaces.ListAsync(warehouse.Id, parentId, paging.AfterKey, paging.FetchLimit, cancellationToken);
        var more = rows.Count > paging.Limit;
        var page = more ? rows.Take(paging.Limit).ToList() : rows;
        return CatalogResponse.Json(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("namespaces");
            foreach (var (name, _) in page)
            {
                w.WriteStringArray(name);
            }

            w.WriteEndArray();
            if (paging.Paginated)
            {
                if (more)
                {
                    w.WriteString("next-page-token", Paging.Token(page[^1].Key));
                }
                else
                {
                    w.WriteNull("next-page-token");
                }
            }

            w.WriteEndObject();
        }));
    }

    public async Task<CatalogResponse> CreateAsync(
        WarehouseContext warehouse, ReadOnlyMemory<byte> body, IdempotencyScope? idempotency, CancellationToken cancellationToken)
    {
        var parsed = RequestJson.CreateNamespace(body);
        if (parsed.IsFailure)
        {
            return CatalogResponse.Error(parsed.Error);
        }

        var (levels, properties) = parsed.Value;
        if (identifiers.CheckNamespace(levels) is { } invalid)
        {
            return CatalogResponse.Error(invalid);
        }

        if (await access.RequireAsync(AuthzObject.Warehouse(warehouse.Id.ToString()), Relations.CanCreateNamespace,
                () => CatalogErrors.NoSuchWarehouse(warehouse.Id.ToString()), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var (outcome, _) = await NamespaceRepository.CreateAsync(tx, warehouse.Id, levels, properties, cancellationToken);
        switch (outcome)
        {
            case NamespaceCreateOutcome.AlreadyExists:
                return CatalogResponse.Error(CatalogErrors.NamespaceAlreadyExists(levels));
            case NamespaceCreateOutcome.ParentMissing:
                return CatalogResponse.Error(CatalogErrors.NoSuchNamespace(levels.Take(levels.Count - 1).ToList()));
            case NamespaceCreateOutcome.WarehouseMissing:
                return CatalogResponse.Error(CatalogErrors.NoSuchWarehouse(warehouse.Id.ToString()));
        }

        var response = CatalogResponse.Json(Describe(levels, properties));
        await OutboxRepository.AddAsync(tx, new OutboxEvent(Guid.CreateVersion7(), warehouse.Id, "createNamespace", null,
            JsonSerializer.Serialize(new { @namespace = levels, properties })), cancellationToken);
        await IdempotencyScope.CommitAsync(tx, idempotency, response, cancellationToken);
        return response;
    }

    public async Task<CatalogResponse> LoadAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, bool headOnly, CancellationToken cancellationToken)
    {
        var found = await namespaces.GetAsync(warehouse.Id, levels, cancellationToken);
        if (found is null)
        {
            return CatalogResponse.Error(CatalogErrors.NoSuchNamespace(levels));
        }

        if (await access.RequireAsync(AuthzObject.Namespace(found.Id.ToString()), Relations.CanGetMetadata,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        return headOnly ? CatalogResponse.NoContent : CatalogResponse.Json(Describe(found.Name, found.Properties));
    }

    public async Task<CatalogResponse> DropAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, IdempotencyScope? idempotency, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var found = await NamespaceRepository.GetForUpdateAsync(tx, warehouse.Id, levels, cancellationToken);
        if (found is null)
        {
            return CatalogResponse.Error(CatalogErrors.NoSuchNamespace(levels));
        }

        if (await access.RequireAsync(AuthzObject.Namespace(found.Id.ToString()), Relations.CanDelete,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        var contents = await NamespaceRepository.CountContentsAsync(tx, found.Id, cancellationToken);
        if (!contents.IsEmpty)
        {
            return CatalogResponse.Error(CatalogErrors.NamespaceNotEmpty(levels, contents.Namespaces, contents.Tables, contents.Views));
        }

        await NamespaceRepository.DeleteAsync(tx, found.Id, cancellationToken);
        await OutboxRepository.AddAsync(tx, new OutboxEvent(Guid.CreateVersion7(), warehouse.Id, "dropNamespace", null,
            JsonSerializer.Serialize(new { @namespace = found.Name })), cancellationToken);
        await IdempotencyScope.CommitAsync(tx, idempotency, CatalogResponse.NoContent, cancellationToken);
        return CatalogResponse.NoContent;
    }

    public async Task<CatalogResponse> UpdatePropertiesAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, IdempotencyScope? idempotency,
        CancellationToken cancellationToken)
    {
        var parsed = RequestJson.UpdateProperties(body);
        if (parsed.IsFailure)
        {
            return CatalogResponse.Error(parsed.Error);
        }

        var (removals, updates) = parsed.Value;
        var both = removals.Where(updates.ContainsKey).Distinct(StringComparer.Ordinal).ToList();
        if (both.Count > 0)
        {
            return CatalogResponse.Error(new IcebergError(422, "UnprocessableEntityException",
                "Updates and removals conflict for key(s): " + string.Join(", ", both)));
        }

        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var found = await NamespaceRepository.GetForUpdateAsync(tx, warehouse.Id, levels, cancellationToken);
        if (found is null)
        {
            return CatalogResponse.Error(CatalogErrors.NoSuchNamespace(levels));
        }

        if (await access.RequireAsync(AuthzObject.Namespace(found.Id.ToString()), Relations.CanUpdateProperties,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        var properties = new Dictionary<string, string>(found.Properties, StringComparer.Ordinal);
        var removed = new List<string>();
        var missing = new List<string>();
        foreach (var key in removals.Distinct(StringComparer.Ordinal))
        {
            (properties.Remove(key) ? removed : missing).Add(key);
        }

        foreach (var (key, value) in updates)
        {
            properties[key] = value;
        }

        await NamespaceRepository.UpdatePropertiesAsync(tx, found.Id, properties, cancellationToken);
        var response = CatalogResponse.Json(ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStringArray("updated", updates.Keys);
            w.WriteStringArray("removed", removed);
            w.WriteStringArray("missing", missing);
            w.WriteEndObject();
        }));
        await OutboxRepository.AddAsync(tx, new OutboxEvent(Guid.CreateVersion7(), warehouse.Id, "updateNamespaceProperties", null,
            JsonSerializer.Serialize(new { @namespace = found.Name, updated = updates.Keys, removed })), cancellationToken);
        await IdempotencyScope.CommitAsync(tx, idempotency, response, cancellationToken);
        return response;
    }

    private static byte[] Describe(IReadOnlyList<string> levels, IReadOnlyDictionary<string, string> properties) =>
        ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStringArray("namespace", levels);
            w.WriteStringMap("properties", properties);
            w.WriteEndObject();
        });
}
