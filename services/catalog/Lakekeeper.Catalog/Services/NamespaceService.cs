using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Catalog.Services;

/// <summary>Namespaces: list, create, load, exists, drop, update properties.</summary>
internal sealed class NamespaceService(
    NamespaceRepository namespaces, NpgsqlDataSource dataSource, AccessGuard access, Identifiers identifiers, Tasks.TabularPurges purges,
    CatalogEvents events, AuthzOutbox outbox)
{
    public async Task<Result<NamespacePage>> ListAsync(
        WarehouseContext warehouse, string? parent, Paging paging, CancellationToken cancellationToken)
    {
        NamespaceId? parentId = null;
        var container = AuthzObject.Warehouse(warehouse.Id.ToString());
        if (parent is { Length: > 0 })
        {
            var levels = Identifiers.SplitNamespace(parent);
            if (identifiers.CheckNamespace(levels) is { } invalid)
            {
                // E.g. a NUL, which Postgres text cannot hold (that was a 500).
                return IcebergError.BadRequest("Invalid parent: " + invalid.Message);
            }

            var found = await namespaces.GetAsync(warehouse.Id, levels, cancellationToken);
            if (found is null)
            {
                return CatalogErrors.NoSuchNamespace(levels);
            }

            parentId = found.Id;
            container = AuthzObject.Namespace(found.Id.ToString());
        }

        if (await access.RequireAsync(container, Relations.CanListNamespaces,
                () => CatalogErrors.NoSuchNamespace(parent is null ? [] : Identifiers.SplitNamespace(parent)), cancellationToken) is { } denied)
        {
            return denied;
        }

        var visible = await access.VisibleAsync(ObjectTypes.Namespace, container, cancellationToken);
        var rows = await FilteredListing.PageAsync(visible, paging, (after, limit) =>
            namespaces.ListAsync(warehouse.Id, parentId, after, limit, cancellationToken), static r => r.Key, static r => r.Id.Value);
        return new NamespacePage(rows, paging);
    }

    public async Task<Result<NamespaceDescription>> CreateAsync(
        WarehouseContext warehouse, ReadOnlyMemory<byte> body, Completion<NamespaceDescription> completion, CancellationToken cancellationToken)
    {
        var parsed = RequestJson.CreateNamespace(body);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var (levels, properties) = parsed.Value;
        if ((identifiers.CheckNamespace(levels) ?? identifiers.CheckProperties(properties, "namespace")) is { } invalid)
        {
            return invalid;
        }

        if (await access.RequireAsync(AuthzObject.Warehouse(warehouse.Id.ToString()), Relations.CanCreateNamespace,
                () => CatalogErrors.NoSuchWarehouse(warehouse.Id.ToString()), cancellationToken) is { } denied)
        {
            return denied;
        }

        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var (outcome, record) = await NamespaceRepository.CreateAsync(tx, warehouse.Id, levels, properties, cancellationToken);
        switch (outcome)
        {
            case NamespaceCreateOutcome.AlreadyExists:
                return CatalogErrors.NamespaceAlreadyExists(levels);
            case NamespaceCreateOutcome.ParentMissing:
                return CatalogErrors.NoSuchNamespace(levels.Take(levels.Count - 1).ToList());
            case NamespaceCreateOutcome.WarehouseMissing:
                return CatalogErrors.NoSuchWarehouse(warehouse.Id.ToString());
        }

        var created = new NamespaceDescription(levels, properties);
        await OutboxRepository.AddAsync(tx, events.Namespace(warehouse, record!.Id, "createNamespace", levels, body), cancellationToken);
        var self = AuthzObject.Namespace(record!.Id.ToString());
        await AuthzOutbox.AddAsync(tx, new TupleChanges().Write(AuthzHierarchy.Link(self, ParentOf(record))).Own(self, access.Caller), cancellationToken);
        await completion.CommitAsync(tx, created, cancellationToken);
        await outbox.DeliverAsync(cancellationToken);
        return created;
    }

    public async Task<Result<NamespaceDescription>> LoadAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, CancellationToken cancellationToken)
    {
        var found = await namespaces.GetAsync(warehouse.Id, levels, cancellationToken);
        if (found is null)
        {
            return CatalogErrors.NoSuchNamespace(levels);
        }

        if (await access.RequireAsync(AuthzObject.Namespace(found.Id.ToString()), Relations.CanGetMetadata,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return denied;
        }

        return new NamespaceDescription(found.Name, found.Properties, found.Id);
    }

    /// <summary>
    /// dropNamespace. A protected namespace needs <paramref name="force"/>. Without
    /// <paramref name="recursive"/> it must be empty (soft-deleted tables and views count: they keep
    /// their names). With it, the whole subtree goes at once — namespaces, tables, views, and dropped
    /// ones pending expiration (their expirations are cancelled) — unless something in it is
    /// protected and <paramref name="force"/> is not given. Tables are purged when
    /// <paramref name="purge"/> (or when they were dropped with purge). This is always a hard drop,
    /// whatever the warehouse's delete profile.
    /// </summary>
    public async Task<Result<Done>> DropAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, bool recursive, bool force, bool purge, Completion<Done> completion,
        CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var found = await NamespaceRepository.GetForUpdateAsync(tx, warehouse.Id, levels, cancellationToken);
        if (found is null)
        {
            return CatalogErrors.NoSuchNamespace(levels);
        }

        if (await access.RequireAsync(AuthzObject.Namespace(found.Id.ToString()), Relations.CanDelete,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return denied;
        }

        if (found.Protected && !force)
        {
            return CatalogErrors.Protected("Namespace", CatalogErrors.Format(found.Name));
        }

        if (!recursive)
        {
            var contents = await NamespaceRepository.CountContentsAsync(tx, found.Id, cancellationToken);
            if (!contents.IsEmpty)
            {
                return CatalogErrors.NamespaceNotEmpty(levels, contents.Namespaces, contents.Tables, contents.Views, contents.Dropped);
            }

            await NamespaceRepository.DeleteAsync(tx, found.Id, cancellationToken);
            await OutboxRepository.AddAsync(tx, events.Namespace(warehouse, found.Id, "dropNamespace", found.Name, data: null), cancellationToken);
            var self = AuthzObject.Namespace(found.Id.ToString());
            await AuthzOutbox.AddAsync(tx, new TupleChanges().Delete(AuthzHierarchy.Link(self, ParentOf(found))).Purge(self), cancellationToken);
            await completion.CommitAsync(tx, default, cancellationToken);
            await outbox.DeliverAsync(cancellationToken);
            return default(Done);
        }

        var (subtree, tabulars) = await NamespaceRepository.LockSubtreeAsync(tx, found.Id, purge, cancellationToken);
        if (!force)
        {
            var guarded = subtree.Where(n => n.Protected && n.Id != found.Id).Select(n => "namespace " + CatalogErrors.Format(n.Name))
                .Concat(tabulars.Where(t => t.Protected).Select(t => $"{(t.Type == TabularType.Table ? "table" : "view")} {CatalogErrors.Format([.. t.Namespace, t.Name])}"))
                .ToList();
            if (guarded.Count > 0)
            {
                return new IcebergError(409, "ProtectedException",
                    $"Namespace {CatalogErrors.Format(found.Name)} contains protected objects ({string.Join(", ", guarded.Take(5))}{(guarded.Count > 5 ? $", and {guarded.Count - 5} more" : string.Empty)}): " +
                    "unprotect them, or drop with force=true");
            }
        }

        foreach (var tabular in tabulars)
        {
            var purgeThis = tabular.Type == TabularType.Table
                && (purge || (tabular.Dropped && tabular.SoftDeletionPayload is { } payload
                    && JsonSerializer.Deserialize<Tasks.SoftDeletionPayload>(payload)?.DeletionKind == Tasks.SoftDeletionPayload.Purge));
            if (purgeThis)
            {
                await purges.EnqueueAsync(tx, warehouse.Id, tabular.Id, tabular.Location, tabular.MetadataLocation, tabular.Metadata,
                    [.. tabular.Namespace, tabular.Name], cancellationToken);
            }

            if (!tabular.Dropped)
            {
                var eventType = tabular.Type == TabularType.Table ? "dropTable" : "dropView";
                await OutboxRepository.AddAsync(tx, events.Tabular(warehouse, tabular.Id, tabular.Type, eventType,
                    new TableIdentifier(tabular.Namespace, tabular.Name), data: null), cancellationToken);
            }
        }

        await NamespaceRepository.DeleteSubtreeAsync(tx, subtree, cancellationToken);
        foreach (var ns in subtree)
        {
            await OutboxRepository.AddAsync(tx, events.Namespace(warehouse, ns.Id, "dropNamespace", ns.Name, data: null), cancellationToken);
        }

        var tuples = new TupleChanges().Delete(AuthzHierarchy.Link(AuthzObject.Namespace(found.Id.ToString()), ParentOf(found)));
        foreach (var ns in subtree)
        {
            tuples.Purge(AuthzObject.Namespace(ns.Id.ToString()));
        }

        foreach (var tabular in tabulars)
        {
            tuples.Purge(tabular.Type == TabularType.Table ? AuthzObject.Table(tabular.Id.ToString()) : AuthzObject.View(tabular.Id.ToString()));
        }

        await AuthzOutbox.AddAsync(tx, tuples, cancellationToken);
        await completion.CommitAsync(tx, default, cancellationToken);
        await outbox.DeliverAsync(cancellationToken);
        return default(Done);
    }

    /// <summary>The namespace's parent in the model: its parent namespace, or the warehouse.</summary>
    private static AuthzObject ParentOf(NamespaceRecord ns) =>
        ns.ParentId is { } parent ? AuthzObject.Namespace(parent.ToString()) : AuthzObject.Warehouse(ns.WarehouseId.ToString());

    public async Task<Result<PropertiesUpdate>> UpdatePropertiesAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, Completion<PropertiesUpdate> completion,
        CancellationToken cancellationToken)
    {
        var parsed = RequestJson.UpdateProperties(body);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var (removals, updates) = parsed.Value;
        var both = removals.Where(updates.ContainsKey).Distinct(StringComparer.Ordinal).ToList();
        if (both.Count > 0)
        {
            return new IcebergError(422, "UnprocessableEntityException",
                "Updates and removals conflict for key(s): " + string.Join(", ", both));
        }

        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var found = await NamespaceRepository.GetForUpdateAsync(tx, warehouse.Id, levels, cancellationToken);
        if (found is null)
        {
            return CatalogErrors.NoSuchNamespace(levels);
        }

        if (await access.RequireAsync(AuthzObject.Namespace(found.Id.ToString()), Relations.CanUpdateProperties,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return denied;
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

        if (identifiers.CheckProperties(properties, "namespace") is { } tooLarge)
        {
            return tooLarge;
        }

        await NamespaceRepository.UpdatePropertiesAsync(tx, found.Id, properties, cancellationToken);
        var update = new PropertiesUpdate(updates.Keys, removed, missing);
        await OutboxRepository.AddAsync(tx, events.Namespace(warehouse, found.Id, "updateNamespaceProperties", found.Name, body), cancellationToken);
        await completion.CommitAsync(tx, update, cancellationToken);
        return update;
    }
}
