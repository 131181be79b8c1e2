using System.Text;
using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Microsoft.Extensions.Options;
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
    TimeProvider time,
    IOptions<CatalogOptions> options)
{
    /// <summary>Views have no storage config to hand out.</summary>
    private static readonly Dictionary<string, string> NoConfig = [];

    public async Task<CatalogResponse> ListAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, Paging paging, CancellationToken cancellationToken)
    {
        var ns = await namespaces.GetAsync(warehouse.Id, levels, cancellationToken);
        if (ns is null)
        {
            return CatalogResponse.Error(CatalogErrors.NoSuchNamespace(levels));
        }

        if (await access.RequireAsync(AuthzObject.Namespace(ns.Id.ToString()), Relations.CanListViews,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        var rows = await tabulars.ListAsync(ns.Id, TabularType.View, paging.AfterKey, paging.FetchLimit, cancellationToken);
        return CatalogResponse.Json(Listings.Identifiers(ns.Name, rows, paging));
    }

    public async Task<CatalogResponse> CreateAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, IdempotencyScope? idempotency, CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseCreateView(body.Span);
        if (parsed.IsFailure)
        {
            return CatalogResponse.Error(parsed.Error);
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, request.Name);
        var target = await creation.TargetAsync(warehouse, id, TabularType.View, cancellationToken);
        if (target.IsFailure)
        {
            return CatalogResponse.Error(target.Error);
        }

        var ns = target.Value;
        var tabularId = TabularId.New();
        var explicitLocation = request.Location is { Length: > 0 };
        var location = explicitLocation
            ? TabularStorage.Inside(warehouse, request.Location!, "view")
            : storage.DefaultLocation(warehouse, ns.Name, request.Name, tabularId.Value);
        if (location.IsFailure)
        {
            return CatalogResponse.Error(location.Error);
        }

        var created = ViewCommitEngine.CreateView(request, location.Value.ToString(), tabularId.Value, Now);
        if (created.IsFailure)
        {
            return CatalogResponse.Error(created.Error);
        }

        var metadata = created.Value;
        var json = ViewMetadataJson.Write(metadata);
        var metadataLocation = MetadataFiles.NextViewMetadataLocation(metadata, null);
        var plan = new NewTabularPlan(warehouse, ns, id, TabularType.View, tabularId, location.Value, explicitLocation, metadataLocation, json,
            metadata.FormatVersion, CatalogEvents.Tabular(warehouse, tabularId, "createView", id, JsonSerializer.Serialize(new { name = request.Name, location = metadata.Location })))
        {
            WriteGzip = MetadataFiles.UseGzip(metadata),
        };
        var response = CatalogResponse.Json(LoadResults.Body(metadataLocation, json, NoConfig, storageCredentials: false));
        var result = await creation.InsertAsync(plan, type => NameTaken(id, type), () => IcebergError.AlreadyExists($"A table or view with UUID {tabularId} already exists"),
            response, idempotency, cancellationToken);
        if (ReferenceEquals(result, response))
        {
            cache.SetView(metadataLocation, metadata, json.Length);
        }

        return result;
    }

    private static IcebergError NameTaken(TableIdentifier id, TabularType takenBy) =>
        takenBy == TabularType.Table ? CatalogErrors.TableWithSameName(id) : CatalogErrors.ViewAlreadyExists(id);

    public async Task<CatalogResponse> LoadAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, string name, bool headOnly, CancellationToken cancellationToken)
    {
        var id = new TableIdentifier(levels, name);
        var row = await tabulars.GetAsync(warehouse.Id, levels, name, withMetadata: !headOnly, cancellationToken);
        if (row is null || row.Type != TabularType.View)
        {
            return CatalogResponse.Error(CatalogErrors.NoSuchView(id));
        }

        if (await access.RequireAsync(AuthzObject.View(row.Id.ToString()), Relations.CanGetMetadata,
                () => CatalogErrors.NoSuchView(id), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        return headOnly
            ? CatalogResponse.NoContent
            : CatalogResponse.Json(LoadResults.Body(row.MetadataLocation, row.Metadata, NoConfig, storageCredentials: false),
                LoadResults.ETag(row.MetadataLocation, "view"));
    }

    public async Task<CatalogResponse> ReplaceAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, ReadOnlyMemory<byte> body, IdempotencyScope? idempotency,
        CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseCommitView(body.Span);
        if (parsed.IsFailure)
        {
            return CatalogResponse.Error(parsed.Error);
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, name);
        var authorized = false;
        for (var attempt = 1; attempt <= options.Value.CommitAttempts; attempt++)
        {
            var row = await tabulars.GetAsync(warehouse.Id, levels, name, withMetadata: true, cancellationToken);
            if (row is null || row.Type != TabularType.View)
            {
                return CatalogResponse.Error(CatalogErrors.NoSuchView(id));
            }

            if (!authorized)
            {
                if (await access.RequireAsync(AuthzObject.View(row.Id.ToString()), Relations.CanCommit,
                        () => CatalogErrors.NoSuchView(id), cancellationToken) is { } denied)
                {
                    return CatalogResponse.Error(denied);
                }

                authorized = true;
            }

            var current = cache.View(row.MetadataLocation, row.Metadata);
            if (current.IsFailure)
            {
                throw new InvalidOperationException($"The stored metadata of view {id} does not parse: {current.Error.Message}");
            }

            var outcome = ViewCommitEngine.Commit(current.Value, row.MetadataLocation, request.Requirements, request.Updates, Now);
            if (outcome is CommitOutcome<ViewMetadata>.Failed failed)
            {
                return CatalogResponse.Error(failed.Error.Code == 404 ? CatalogErrors.NoSuchView(id) : failed.Error);
            }

            if (outcome is CommitOutcome<ViewMetadata>.Unchanged)
            {
                var unchanged = CatalogResponse.Json(LoadResults.Body(row.MetadataLocation, row.Metadata, NoConfig, storageCredentials: false));
                if (idempotency is not null)
                {
                    await using var noop = await DbTransaction.BeginAsync(dataSource, cancellationToken);
                    await IdempotencyScope.CommitAsync(noop, idempotency, unchanged, cancellationToken);
                }

                return unchanged;
            }

            var metadata = outcome.MetadataOrDefault!;
            if (metadata.Location != current.Value.Location && TabularStorage.Inside(warehouse, metadata.Location, "view") is { IsFailure: true } bad)
            {
                return CatalogResponse.Error(bad.Error);
            }

            var json = ViewMetadataJson.Write(metadata);
            var metadataLocation = MetadataFiles.NextViewMetadataLocation(metadata, row.MetadataLocation);
            if (TabularStorage.Inside(warehouse, metadataLocation, "metadata") is { IsFailure: true } badMetadata)
            {
                return CatalogResponse.Error(badMetadata.Error);
            }

            if (await TabularStorage.WriteMetadataAsync(warehouse, metadataLocation, json, MetadataFiles.UseGzip(metadata), cancellationToken) is { } unwritable)
            {
                return CatalogResponse.Error(unwritable);
            }

            var keep = false;
            try
            {
                await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
                var viewLocation = Storage.Locations.StorageLocation.Parse(metadata.Location);
                if (metadata.Location != current.Value.Location
                    && await TabularStorage.ClaimAsync(tx, warehouse, viewLocation, row.Id, exclusive: true, cancellationToken) is { } overlap)
                {
                    return CatalogResponse.Error(overlap);
                }

                if (await TabularStorage.CheckMetadataPlacementAsync(tx, warehouse, viewLocation, metadataLocation, row.Id, cancellationToken) is { } misplaced)
                {
                    return CatalogResponse.Error(misplaced);
                }

                if (!await TabularRepository.SwapMetadataAsync(tx, row.Id, row.MetadataLocation, metadataLocation, json, TabularStorage.LocationKey(metadata.Location),
                        metadata.FormatVersion, cancellationToken))
                {
                    continue;
                }

                var response = CatalogResponse.Json(LoadResults.Body(metadataLocation, json, NoConfig, storageCredentials: false));
                await OutboxRepository.AddAsync(tx, CatalogEvents.Tabular(warehouse, row.Id, "updateView", id, Encoding.UTF8.GetString(body.Span)), cancellationToken);
                await IdempotencyScope.CommitAsync(tx, idempotency, response, cancellationToken);
                keep = true;
                cache.SetView(metadataLocation, metadata, json.Length);
                return response;
            }
            catch (CommitOutcomeUnknownException)
            {
                // The file stays: the swap may have landed. The error boundary answers 503
                // CommitStateUnknownException with Retry-After (PostgresExceptionTranslator).
                keep = true;
                throw;
            }
            finally
            {
                if (!keep)
                {
                    await storage.TryDeleteAsync(warehouse, metadataLocation);
                }
            }
        }

        return CatalogResponse.Error(CatalogErrors.CommitConflict(id, options.Value.CommitAttempts));
    }

    public async Task<CatalogResponse> DropAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, IdempotencyScope? idempotency, CancellationToken cancellationToken)
    {
        var id = new TableIdentifier(levels, name);
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var row = await TabularRepository.GetForUpdateAsync(tx, warehouse.Id, levels, name, cancellationToken);
        if (row is null || row.Type != TabularType.View)
        {
            return CatalogResponse.Error(CatalogErrors.NoSuchView(id));
        }

        if (await access.RequireAsync(AuthzObject.View(row.Id.ToString()), Relations.CanDrop,
                () => CatalogErrors.NoSuchView(id), cancellationToken) is { } denied)
        {
            return CatalogResponse.Error(denied);
        }

        await TabularRepository.DeleteAsync(tx, row.Id, cancellationToken);
        await OutboxRepository.AddAsync(tx, CatalogEvents.Tabular(warehouse, row.Id, "dropView", id, "{}"), cancellationToken);
        await IdempotencyScope.CommitAsync(tx, idempotency, CatalogResponse.NoContent, cancellationToken);
        return CatalogResponse.NoContent;
    }

    public async Task<CatalogResponse> RenameAsync(WarehouseContext warehouse, ReadOnlyMemory<byte> body, IdempotencyScope? idempotency, CancellationToken cancellationToken)
    {
        var parsed = RequestJson.Rename(body);
        if (parsed.IsFailure)
        {
            return CatalogResponse.Error(parsed.Error);
        }

        var (source, destination) = parsed.Value;
        if ((identifiers.CheckNamespace(destination.Namespace) ?? identifiers.CheckName(destination.Name, "View name")) is { } invalid)
        {
            return CatalogResponse.Error(invalid);
        }

        return await tables.RenameTabularAsync(warehouse, source, destination, TabularType.View, idempotency, cancellationToken);
    }

    public async Task<CatalogResponse> RegisterAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, IdempotencyScope? idempotency, CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseRegisterView(body.Span);
        if (parsed.IsFailure)
        {
            return CatalogResponse.Error(parsed.Error);
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, request.Name);
        var target = await creation.TargetAsync(warehouse, id, TabularType.View, cancellationToken);
        if (target.IsFailure)
        {
            return CatalogResponse.Error(target.Error);
        }

        var registered = await TabularCreation.ReadRegisteredAsync(warehouse, request.MetadataLocation,
            json => ViewMetadataJson.Parse(json), m => m.Location, "view", cancellationToken);
        if (registered.IsFailure)
        {
            return CatalogResponse.Error(registered.Error);
        }

        var (location, json, metadata, viewLocation) = registered.Value;
        var tabularId = TabularId.New();
        var plan = new NewTabularPlan(warehouse, target.Value, id, TabularType.View, tabularId, viewLocation, ExplicitLocation: true, location, json,
            metadata.FormatVersion, CatalogEvents.Tabular(warehouse, tabularId, "registerView", id, JsonSerializer.Serialize(new { metadataLocation = location })));
        var response = CatalogResponse.Json(LoadResults.Body(location, json, NoConfig, storageCredentials: false));
        return await creation.InsertAsync(plan, type => NameTaken(id, type), () => IcebergError.AlreadyExists($"A table or view with UUID {tabularId} already exists"),
            response, idempotency, cancellationToken);
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();
}
