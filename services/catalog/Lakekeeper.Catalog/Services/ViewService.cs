using Lakekeeper.Authz;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Npgsql;

namespace Lakekeeper.Catalog.Services;

/// <summary>Views: list, create, load, exists, replace (commit), drop, rename, register.</summary>
internal sealed class ViewService(
    TabularRepository tabulars,
    NamespaceRepository namespaces,
    NpgsqlDataSource dataSource,
    AccessGuard access,
    Identifiers identifiers,
    MetadataCache cache,
    TabularStorage storage,
    TabularCreation creation,
    TableService tables,
    CommitRunner commits,
    ViewMetadataKind viewKind,
    CatalogEvents events,
    TimeProvider time,
    Lakekeeper.Authz.Hygiene.AuthzOutbox outbox)
{
    public async Task<Result<IdentifierPage>> ListAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, Paging paging, CancellationToken cancellationToken)
    {
        var ns = await namespaces.GetAsync(warehouse.Id, levels, cancellationToken);
        if (ns is null)
        {
            return CatalogErrors.NoSuchNamespace(levels);
        }

        if (await access.RequireAsync(AuthzObject.Namespace(ns.Id.ToString()), Relations.CanListViews,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return denied;
        }

        var visible = await access.VisibleAsync(ObjectTypes.View, AuthzObject.Namespace(ns.Id.ToString()), cancellationToken);
        var rows = await FilteredListing.PageAsync(visible, paging, (after, limit) =>
            tabulars.ListAsync(ns.Id, TabularType.View, after, limit, cancellationToken), static r => r.Key, static r => r.Id.Value);
        return new IdentifierPage(ns.Name, rows, paging);
    }

    public async Task<Result<MetadataDocument>> CreateAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, Completion<MetadataDocument> completion, CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseCreateView(body.Span);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, request.Name);
        var target = await creation.TargetAsync(warehouse, id, TabularType.View, cancellationToken);
        if (target.IsFailure)
        {
            return target.Error;
        }

        var ns = target.Value;
        var tabularId = TabularId.New();
        var explicitLocation = request.Location is { Length: > 0 };
        var location = explicitLocation
            ? TabularStorage.Inside(warehouse, request.Location!, "view")
            : await storage.DefaultLocationAsync(warehouse, ns, request.Name, tabularId.Value, cancellationToken);
        if (location.IsFailure)
        {
            return location.Error;
        }

        var created = ViewCommitEngine.CreateView(request, location.Value.ToString(), tabularId.Value, Now);
        if (created.IsFailure)
        {
            return created.Error;
        }

        var metadata = created.Value;
        var json = ViewMetadataJson.Write(metadata);
        var metadataLocation = MetadataFiles.NextViewMetadataLocation(metadata, null);
        var plan = new NewTabularPlan(warehouse, ns, id, TabularType.View, tabularId, location.Value, explicitLocation, metadataLocation, json,
            metadata.FormatVersion, events.Tabular(warehouse, tabularId, TabularType.View, "createView", id, body))
        {
            WriteGzip = MetadataFiles.UseGzip(metadata),
        };
        var result = await creation.InsertAsync(plan, type => NameTaken(id, type), () => IcebergError.AlreadyExists($"A table or view with UUID {tabularId} already exists"),
            new MetadataDocument(metadataLocation, json), completion, cancellationToken);
        if (result.IsSuccess)
        {
            cache.SetView(metadataLocation, metadata, json.Length);
        }

        return result;
    }

    private static IcebergError NameTaken(TableIdentifier id, TabularType takenBy) =>
        takenBy == TabularType.Table ? CatalogErrors.TableWithSameName(id) : CatalogErrors.ViewAlreadyExists(id);

    public async Task<Result<MetadataDocument>> LoadAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, string name, CancellationToken cancellationToken)
    {
        var row = await VisibleViewAsync(warehouse, new TableIdentifier(levels, name), withMetadata: true, cancellationToken);
        return row.IsFailure ? row.Error : new MetadataDocument(row.Value.MetadataLocation, row.Value.Metadata);
    }

    /// <summary>viewExists: the check of a load without reading the document.</summary>
    public async Task<Result<Done>> ExistsAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, string name, CancellationToken cancellationToken)
    {
        var row = await VisibleViewAsync(warehouse, new TableIdentifier(levels, name), withMetadata: false, cancellationToken);
        return row.IsFailure ? row.Error : default(Done);
    }

    /// <summary>The view if it exists and the caller may see its metadata; else 404/403.</summary>
    private async Task<Result<TabularRow>> VisibleViewAsync(WarehouseContext warehouse, TableIdentifier id, bool withMetadata, CancellationToken cancellationToken)
    {
        var row = await tabulars.GetAsync(warehouse.Id, id.Namespace, id.Name, withMetadata, cancellationToken);
        if (row is null || row.Type != TabularType.View)
        {
            return CatalogErrors.NoSuchView(id);
        }

        return await access.RequireAsync(AuthzObject.View(row.Id.ToString()), Relations.CanGetMetadata, () => CatalogErrors.NoSuchView(id), cancellationToken) is { } denied
            ? denied
            : row;
    }

    /// <summary>replaceView: a commit through the one commit protocol tables use.</summary>
    public async Task<Result<MetadataDocument>> ReplaceAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, ReadOnlyMemory<byte> body, Completion<MetadataDocument> completion,
        CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseCommitView(body.Span);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var request = parsed.Value;
        var change = new MetadataChange<ViewMetadata>(new TableIdentifier(levels, name),
            (current, location, now) => ViewCommitEngine.Commit(current, location, request.Requirements, request.Updates, now), body);
        return await commits.CommitAsync(viewKind, warehouse, change, completion, cancellationToken);
    }

    /// <summary>dropView: as dropTable (protection, soft deletion, force), without a purge.</summary>
    public async Task<Result<Done>> DropAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, bool force, Completion<Done> completion, CancellationToken cancellationToken)
    {
        var id = new TableIdentifier(levels, name);
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var row = await TabularRepository.GetForUpdateAsync(tx, warehouse.Id, levels, name, cancellationToken);
        if (row is null || row.Type != TabularType.View)
        {
            return CatalogErrors.NoSuchView(id);
        }

        if (await access.RequireAsync(AuthzObject.View(row.Id.ToString()), Relations.CanDrop,
                () => CatalogErrors.NoSuchView(id), cancellationToken) is { } denied)
        {
            return denied;
        }

        if (row.Protected && !force)
        {
            return CatalogErrors.Protected("View", id.ToString());
        }

        await tables.DropTabularAsync(tx, warehouse, row, [.. levels, name], purge: false, force, cancellationToken);
        await OutboxRepository.AddAsync(tx, events.Tabular(warehouse, row.Id, TabularType.View, "dropView", id, data: null), cancellationToken);
        await completion.CommitAsync(tx, default, cancellationToken);
        await outbox.DeliverAsync(cancellationToken);
        return default(Done);
    }

    public async Task<Result<Done>> RenameAsync(WarehouseContext warehouse, ReadOnlyMemory<byte> body, Completion<Done> completion, CancellationToken cancellationToken)
    {
        var parsed = RequestJson.Rename(body);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var (source, destination) = parsed.Value;
        if ((identifiers.CheckNamespace(destination.Namespace) ?? identifiers.CheckName(destination.Name, "View name")) is { } invalid)
        {
            return invalid;
        }

        return await tables.RenameTabularAsync(warehouse, source, destination, TabularType.View, completion, cancellationToken);
    }

    public async Task<Result<MetadataDocument>> RegisterAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, Completion<MetadataDocument> completion, CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseRegisterView(body.Span);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, request.Name);
        var target = await creation.TargetAsync(warehouse, id, TabularType.View, cancellationToken);
        if (target.IsFailure)
        {
            return target.Error;
        }

        var registered = await TabularCreation.ReadRegisteredAsync(warehouse, request.MetadataLocation,
            json => ViewMetadataJson.Parse(json), m => m.Location, "view", cancellationToken);
        if (registered.IsFailure)
        {
            return registered.Error;
        }

        var (location, json, metadata, viewLocation) = registered.Value;
        var tabularId = TabularId.New();
        var plan = new NewTabularPlan(warehouse, target.Value, id, TabularType.View, tabularId, viewLocation, ExplicitLocation: true, location, json,
            metadata.FormatVersion, events.Tabular(warehouse, tabularId, TabularType.View, "registerView", id, data: null));
        return await creation.InsertAsync(plan, type => NameTaken(id, type), () => IcebergError.AlreadyExists($"A table or view with UUID {tabularId} already exists"),
            new MetadataDocument(location, json), completion, cancellationToken);
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();
}
