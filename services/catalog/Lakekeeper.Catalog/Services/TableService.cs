using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Catalog.Delegation;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Catalog.Tasks;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Tables: list, create (and stage-create), load, exists, commit, drop, rename, register,
/// credentials and metrics. Commits follow the protocol of docs/catalog.md: new metadata file first,
/// then one transaction with the compare-and-swap, the outbox event and the idempotency record;
/// a lost race re-reads, re-checks the requirements and re-applies.
/// </summary>
internal sealed partial class TableService(
    TabularRepository tabulars,
    NamespaceRepository namespaces,
    MetricsRepository metrics,
    NpgsqlDataSource dataSource,
    AccessGuard access,
    Identifiers identifiers,
    MetadataCache cache,
    TabularStorage storage,
    TabularCreation creation,
    CommitRunner commits,
    TableMetadataKind tableKind,
    StorageDelegation delegations,
    TabularPurges purges,
    CatalogEvents events,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<CatalogOptions> options,
    AuthzOutbox outbox,
    ILogger<TableService> logger)
{
    public async Task<Result<IdentifierPage>> ListAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, Paging paging, CancellationToken cancellationToken)
    {
        var ns = await namespaces.GetAsync(warehouse.Id, levels, cancellationToken);
        if (ns is null)
        {
            return CatalogErrors.NoSuchNamespace(levels);
        }

        if (await access.RequireAsync(AuthzObject.Namespace(ns.Id.ToString()), Relations.CanListTables,
                () => CatalogErrors.NoSuchNamespace(levels), cancellationToken) is { } denied)
        {
            return denied;
        }

        var visible = await access.VisibleAsync(ObjectTypes.Table, AuthzObject.Namespace(ns.Id.ToString()), cancellationToken);
        var rows = await FilteredListing.PageAsync(visible, paging, (after, limit) =>
            tabulars.ListAsync(ns.Id, TabularType.Table, after, limit, cancellationToken), static r => r.Key, static r => r.Id.Value);
        return new IdentifierPage(ns.Name, rows, paging);
    }

    public async Task<Result<MetadataDocument>> CreateAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, Completion<MetadataDocument> completion,
        CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseCreateTable(body.Span);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, request.Name);
        var target = await creation.TargetAsync(warehouse, id, TabularType.Table, cancellationToken);
        if (target.IsFailure)
        {
            return target.Error;
        }

        var ns = target.Value;
        var tabularId = TabularId.New();
        var explicitLocation = request.Location is { Length: > 0 };
        var location = explicitLocation
            ? TabularStorage.Inside(warehouse, request.Location!, "table")
            : await storage.DefaultLocationAsync(warehouse, ns, request.Name, tabularId.Value, cancellationToken);
        if (location.IsFailure)
        {
            return location.Error;
        }

        var created = TableCommitEngine.CreateTable(request, location.Value.ToString(), tabularId.Value, Now, warehouse.DefaultFormatVersion);
        if (created.IsFailure)
        {
            return created.Error;
        }

        var metadata = created.Value;
        if (warehouse.RefuseFormatVersion(metadata.FormatVersion) is { } refused)
        {
            return refused;
        }

        if ((identifiers.CheckProperties(metadata.Properties, "table") ?? TabularStorage.CheckDataPaths(warehouse, metadata.Location, metadata.Properties, before: null)) is { } outside)
        {
            return outside;
        }

        if (request.StageCreate)
        {
            // A staged create registers nothing: the table appears with the assert-create commit.
            var existing = await tabulars.GetAsync(warehouse.Id, levels, request.Name, withMetadata: false, cancellationToken);
            if (existing is not null)
            {
                return NameTaken(id, existing.Type, createViaCommit: false);
            }

            return new MetadataDocument(null, TableMetadataJson.Write(metadata));
        }

        return await InsertNewAsync(warehouse, ns, id, tabularId, metadata, explicitLocation, body, completion, createViaCommit: false, cancellationToken);
    }

    /// <summary>Writes version 0 of a new table and registers it.</summary>
    private async Task<Result<MetadataDocument>> InsertNewAsync(
        WarehouseContext warehouse, NamespaceRecord ns, TableIdentifier id, TabularId tabularId, TableMetadata metadata,
        bool explicitLocation, ReadOnlyMemory<byte> eventData, Completion<MetadataDocument> completion, bool createViaCommit, CancellationToken cancellationToken)
    {
        if (warehouse.RefuseFormatVersion(metadata.FormatVersion) is { } refused)
        {
            return refused;
        }

        var location = TabularStorage.Inside(warehouse, metadata.Location, "table");
        if (location.IsFailure)
        {
            return location.Error;
        }

        var json = TableMetadataJson.Write(metadata);
        var metadataLocation = MetadataFiles.NextTableMetadataLocation(metadata, null);
        var plan = new NewTabularPlan(warehouse, ns, id, TabularType.Table, tabularId, location.Value, explicitLocation, metadataLocation, json,
            metadata.FormatVersion, events.Tabular(warehouse, tabularId, TabularType.Table, "createTable", id, eventData))
        {
            WriteGzip = MetadataFiles.UseGzip(metadata),
        };
        var result = await creation.InsertAsync(plan, type => NameTaken(id, type, createViaCommit),
            () => createViaCommit
                ? IcebergError.CommitFailed($"Requirement failed: table already exists: UUID {tabularId} is taken")
                : IcebergError.AlreadyExists($"A table or view with UUID {tabularId} already exists"),
            new MetadataDocument(metadataLocation, json), completion, cancellationToken);
        if (result.IsFailure)
        {
            return result;
        }

        cache.SetTable(metadataLocation, metadata, json.Length);
        return result.Value with { Created = new CreatedTable(tabularId, location.Value.ToString(), id) };
    }

    /// <summary>The name is taken: by a view, or by a table (a create commit that lost says so in requirement words).</summary>
    private static IcebergError NameTaken(TableIdentifier id, TabularType takenBy, bool createViaCommit) =>
        takenBy == TabularType.View
            ? CatalogErrors.ViewWithSameName(id)
            : createViaCommit ? CatalogErrors.CreateRaced() : CatalogErrors.TableAlreadyExists(id);

    /// <summary>
    /// loadTable. With <paramref name="ifNoneMatch"/> naming the current version, only the version tag
    /// is read (no document): the client has it.
    /// </summary>
    public async Task<Result<TableLoad>> LoadAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, string? snapshots, string? ifNoneMatch, DelegationRequest delegation,
        CancellationToken cancellationToken)
    {
        var mode = snapshots is null or "all" ? "all" : snapshots == "refs" ? "refs" : null;
        if (mode is null)
        {
            return IcebergError.BadRequest("snapshots must be 'all' or 'refs'");
        }

        var id = new TableIdentifier(levels, name);
        var conditional = !string.IsNullOrEmpty(ifNoneMatch);
        // The document is read with the row only when it will surely be sent: a 304 needs only the
        // location, and a refs document usually comes from the cache by location.
        var row = await tabulars.GetAsync(warehouse.Id, levels, name, withMetadata: !conditional && mode == "all", cancellationToken);
        if (row is null || row.Type != TabularType.Table)
        {
            return CatalogErrors.NoSuchTable(id);
        }

        if (await access.RequireAsync(AuthzObject.Table(row.Id.ToString()), Relations.CanGetMetadata,
                () => CatalogErrors.NoSuchTable(id), cancellationToken) is { } denied)
        {
            return denied;
        }

        var plan = await delegations.PlanAsync(warehouse, row.Id, delegation, cancellationToken);
        var etag = VersionTags.Of(row.MetadataLocation, mode, plan.ETagPart);
        if (conditional && VersionTags.Matches(ifNoneMatch, etag))
        {
            return new TableLoad(row.MetadataLocation, ReadOnlyMemory<byte>.Empty, etag, NotModified: true);
        }

        ReadOnlyMemory<byte> document;
        if (mode == "refs" && cache.CachedRefsDocument(row.MetadataLocation) is { } cachedRefs)
        {
            document = cachedRefs;
        }
        else
        {
            if (row.Metadata is null)
            {
                row = await tabulars.GetAsync(warehouse.Id, levels, name, withMetadata: true, cancellationToken);
                if (row is null || row.Type != TabularType.Table)
                {
                    return CatalogErrors.NoSuchTable(id);
                }

                etag = VersionTags.Of(row.MetadataLocation, mode, plan.ETagPart);
            }

            document = row.Metadata!;
            if (mode == "refs")
            {
                var parsed = cache.Table(row.MetadataLocation, row.Metadata);
                document = parsed.IsSuccess ? cache.RefsDocument(row.MetadataLocation, parsed.Value) : row.Metadata;
            }
        }

        var delegated = await delegations.ApplyAsync(warehouse, plan, row.Id, row.Location, id, delegation, cancellationToken);
        if (delegated.IsFailure)
        {
            return delegated.Error;
        }

        // Remote signing given instead of credentials: the ETag says so, so a later 304 cannot stand for credentials.
        if (delegated.Value.Plan != plan)
        {
            etag = VersionTags.Of(row.MetadataLocation, mode, delegated.Value.Plan.ETagPart);
        }

        return new TableLoad(row.MetadataLocation, document, etag, NotModified: false) { Access = delegated.Value };
    }

    public async Task<Result<Done>> ExistsAsync(WarehouseContext warehouse, IReadOnlyList<string> levels, string name, CancellationToken cancellationToken)
    {
        var row = await VisibleTableAsync(warehouse, new TableIdentifier(levels, name), Relations.CanGetMetadata, cancellationToken);
        return row.IsFailure ? row.Error : default(Done);
    }

    /// <summary>updateTable: a commit through the one commit protocol, or the create of a staged table (<c>assert-create</c>).</summary>
    public async Task<Result<MetadataDocument>> CommitAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, ReadOnlyMemory<byte> body, Completion<MetadataDocument> completion,
        CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseCommitTable(body.Span);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, name);
        if (request.Requirements.Any(static r => r is TableRequirement.AssertCreate))
        {
            return await CreateViaCommitAsync(warehouse, id, request, body, completion, cancellationToken);
        }

        return await commits.CommitAsync(tableKind, warehouse, TableChange.Of(id, request.Requirements, request.Updates, body), completion, cancellationToken);
    }

    /// <summary>The commit of a staged create (<c>assert-create</c>): builds version 0 and registers the table.</summary>
    private async Task<Result<MetadataDocument>> CreateViaCommitAsync(
        WarehouseContext warehouse, TableIdentifier id, CommitTableRequest request, ReadOnlyMemory<byte> body, Completion<MetadataDocument> completion,
        CancellationToken cancellationToken)
    {
        var target = await creation.TargetAsync(warehouse, id, TabularType.Table, cancellationToken);
        if (target.IsFailure)
        {
            return target.Error;
        }

        var ns = target.Value;
        var existing = await tabulars.GetAsync(warehouse.Id, id.Namespace, id.Name, withMetadata: false, cancellationToken);
        if (existing is not null)
        {
            return NameTaken(id, existing.Type, createViaCommit: true);
        }

        var tabularId = TabularId.New();
        var defaultLocation = await storage.DefaultLocationAsync(warehouse, ns, id.Name, tabularId.Value, cancellationToken);
        if (defaultLocation.IsFailure)
        {
            return defaultLocation.Error;
        }

        var outcome = TableCommitEngine.Commit(null, null, request.Requirements, request.Updates, Now, tabularId.Value, defaultLocation.Value.ToString());
        if (outcome is not CommitOutcome<TableMetadata>.Changed { Metadata: var metadata })
        {
            return outcome.ErrorOrDefault ?? IcebergError.BadRequest("A create commit must produce table metadata");
        }

        var explicitLocation = metadata.Location != defaultLocation.Value.ToString();
        return await InsertNewAsync(warehouse, ns, id, new TabularId(metadata.TableUuid), metadata, explicitLocation, body, completion,
            createViaCommit: true, cancellationToken);
    }

    /// <summary>
    /// dropTable. A protected table needs <paramref name="force"/>. Under a soft delete profile the
    /// table is only hidden (name and location stay reserved) and a <c>soft_deletion</c> task removes
    /// it when the expiration comes (purging its files if <paramref name="purge"/>); <paramref name="force"/>
    /// drops it at once instead. A hard drop removes the row now and queues the purge if asked.
    /// </summary>
    public async Task<Result<Done>> DropAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, bool purge, bool force, Completion<Done> completion,
        CancellationToken cancellationToken)
    {
        var id = new TableIdentifier(levels, name);
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var row = await TabularRepository.GetForUpdateAsync(tx, warehouse.Id, levels, name, cancellationToken);
        if (row is null || row.Type != TabularType.Table)
        {
            return CatalogErrors.NoSuchTable(id);
        }

        if (await access.RequireAsync(AuthzObject.Table(row.Id.ToString()), Relations.CanDrop,
                () => CatalogErrors.NoSuchTable(id), cancellationToken) is { } denied)
        {
            return denied;
        }

        if (row.Protected && !force)
        {
            return CatalogErrors.Protected("Table", id.ToString());
        }

        await DropTabularAsync(tx, warehouse, row, [.. levels, name], purge, force, cancellationToken);
        await OutboxRepository.AddAsync(tx, events.Tabular(warehouse, row.Id, TabularType.Table, "dropTable", id, data: null), cancellationToken);
        await completion.CommitAsync(tx, default, cancellationToken);
        await outbox.DeliverAsync(cancellationToken);
        return default(Done);
    }

    /// <summary>
    /// The drop of a locked table or view row, by the warehouse's delete profile: soft (hidden, and
    /// removed by a <c>soft_deletion</c> task at the expiration; its tuples stay, so an undrop restores
    /// its grants) unless <paramref name="force"/>; else hard, its tuples purged through the authz
    /// outbox and the purge of a table's files queued when <paramref name="purge"/>.
    /// </summary>
    internal async Task DropTabularAsync(
        DbTransaction tx, WarehouseContext warehouse, TabularRow row, IReadOnlyList<string> name, bool purge, bool force, CancellationToken cancellationToken)
    {
        if (warehouse.DeleteProfile.Soft && !force)
        {
            await TabularRepository.SoftDeleteAsync(tx, row.Id, cancellationToken);
            var kind = purge && row.Type == TabularType.Table ? SoftDeletionPayload.Purge : SoftDeletionPayload.Default;
            await TaskRepository.EnqueueAsync(tx,
                new NewTask(TaskQueues.SoftDeletion, warehouse.Id, row.Id.Value,
                    JsonSerializer.Serialize(new SoftDeletionPayload(kind, TabularRepository.TypeName(row.Type))),
                    time.GetUtcNow() + warehouse.DeleteProfile.Expiration, row.Type, name),
                cancellationToken);
            return;
        }

        await TabularRepository.DeleteAsync(tx, row.Id, cancellationToken);
        await AuthzOutbox.AddAsync(tx, TabularObjects.Dropped(row.Type, row.Id, row.NamespaceId), cancellationToken);
        if (purge && row.Type == TabularType.Table)
        {
            await purges.EnqueueAsync(tx, warehouse.Id, row.Id, row.Location, row.MetadataLocation, row.Metadata, name, cancellationToken);
        }
    }

    public async Task<Result<Done>> RenameAsync(WarehouseContext warehouse, ReadOnlyMemory<byte> body, Completion<Done> completion, CancellationToken cancellationToken)
    {
        var parsed = RequestJson.Rename(body);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var (source, destination) = parsed.Value;
        if ((identifiers.CheckNamespace(destination.Namespace) ?? identifiers.CheckName(destination.Name, "Table name")) is { } invalid)
        {
            return invalid;
        }

        return await RenameTabularAsync(warehouse, source, destination, TabularType.Table, completion, cancellationToken);
    }

    /// <summary>Renames a table or view, also across namespaces. The location does not move.</summary>
    internal async Task<Result<Done>> RenameTabularAsync(
        WarehouseContext warehouse, TableIdentifier source, TableIdentifier destination, TabularType type, Completion<Done> completion,
        CancellationToken cancellationToken)
    {
        var notFound = type == TabularType.Table ? CatalogErrors.NoSuchTable(source) : CatalogErrors.NoSuchView(source);
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var row = await TabularRepository.GetForUpdateAsync(tx, warehouse.Id, source.Namespace, source.Name, cancellationToken);
        if (row is null || row.Type != type)
        {
            return notFound;
        }

        var target = await NamespaceRepository.GetForUpdateAsync(tx, warehouse.Id, destination.Namespace, cancellationToken);
        if (target is null)
        {
            return CatalogErrors.NoSuchNamespace(destination.Namespace);
        }

        var objectRef = type == TabularType.Table ? AuthzObject.Table(row.Id.ToString()) : AuthzObject.View(row.Id.ToString());
        if (await access.RequireAsync(objectRef, Relations.CanRename, () => notFound, cancellationToken) is { } denied
            || await access.RequireAsync(AuthzObject.Namespace(target.Id.ToString()), type == TabularType.Table ? Relations.CanCreateTable : Relations.CanCreateView,
                () => CatalogErrors.NoSuchNamespace(destination.Namespace), cancellationToken) is { } deniedTarget && (denied = deniedTarget) is not null)
        {
            return denied!;
        }

        if (await TabularRepository.RenameAsync(tx, row.Id, target.Id, destination.Name, cancellationToken) == TabularRenameOutcome.NameTaken)
        {
            var takenBy = await TabularRepository.NameTakenByAsync(tx, target.Id, destination.Name, cancellationToken);
            return takenBy is { IsDropped: true }
                ? CatalogErrors.NameReservedByDropped(destination, takenBy)
                : CatalogErrors.RenameTarget(source, destination, takenBy?.Type == TabularType.View);
        }

        var eventType = type == TabularType.Table ? "renameTable" : "renameView";
        await OutboxRepository.AddAsync(tx, events.Tabular(warehouse, row.Id, type, eventType, destination,
            JsonSerializer.SerializeToUtf8Bytes(new { source = new { @namespace = source.Namespace, name = source.Name }, destination = new { @namespace = destination.Namespace, name = destination.Name } })),
            cancellationToken);
        if (row.NamespaceId != target.Id)
        {
            // Re-parented: no grant of the old namespace may reach it any more (Lakekeeper #2000).
            await AuthzOutbox.AddAsync(tx, new TupleChanges()
                .Delete(AuthzHierarchy.Link(objectRef, AuthzObject.Namespace(row.NamespaceId.ToString())))
                .Write(AuthzHierarchy.Link(objectRef, AuthzObject.Namespace(target.Id.ToString()))), cancellationToken);
        }

        await completion.CommitAsync(tx, default, cancellationToken);
        await outbox.DeliverAsync(cancellationToken);
        return default(Done);
    }

    public async Task<Result<MetadataDocument>> RegisterAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, ReadOnlyMemory<byte> body, Completion<MetadataDocument> completion, CancellationToken cancellationToken)
    {
        var parsed = RestRequestJson.ParseRegister(body.Span);
        if (parsed.IsFailure)
        {
            return parsed.Error;
        }

        var request = parsed.Value;
        var id = new TableIdentifier(levels, request.Name);
        var target = await creation.TargetAsync(warehouse, id, TabularType.Table, cancellationToken);
        if (target.IsFailure)
        {
            return target.Error;
        }

        var registered = await TabularCreation.ReadRegisteredAsync(warehouse, request.MetadataLocation,
            json => TableMetadataJson.Parse(json), m => m.Location, "table", cancellationToken);
        if (registered.IsFailure)
        {
            return registered.Error;
        }

        var (location, json, metadata, tableLocation) = registered.Value;
        if (warehouse.RefuseFormatVersion(metadata.FormatVersion) is { } refused)
        {
            return refused;
        }

        var document = new MetadataDocument(location, json);
        var result = request.Overwrite
            ? await OverwriteAsync(warehouse, id, tableLocation, location, json, metadata.FormatVersion, document, completion, cancellationToken)
            : null;
        if (result is null)
        {
            var tabularId = TabularId.New();
            var plan = new NewTabularPlan(warehouse, target.Value, id, TabularType.Table, tabularId, tableLocation, ExplicitLocation: true,
                location, json, metadata.FormatVersion, events.Tabular(warehouse, tabularId, TabularType.Table, "registerTable", id, data: null));
            result = await creation.InsertAsync(plan, type => NameTaken(id, type, createViaCommit: false),
                () => IcebergError.AlreadyExists($"A table or view with UUID {tabularId} already exists"), document, completion, cancellationToken);
        }

        if (result.Value.IsSuccess)
        {
            cache.SetTable(location, metadata, json.Length);
        }

        return result.Value;
    }

    /// <summary>
    /// Register with <c>overwrite</c> over an existing table: its pointer moves to the registered file.
    /// Null when there is no table of that name (the caller registers a new one).
    /// </summary>
    private async Task<Result<MetadataDocument>?> OverwriteAsync(
        WarehouseContext warehouse, TableIdentifier id, Storage.Locations.StorageLocation tableLocation, string metadataLocation, byte[] json, int formatVersion,
        MetadataDocument registered, Completion<MetadataDocument> completion, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var existing = await TabularRepository.GetForUpdateAsync(tx, warehouse.Id, id.Namespace, id.Name, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        if (existing.Type == TabularType.View)
        {
            return CatalogErrors.ViewWithSameName(id);
        }

        if (await access.RequireAsync(AuthzObject.Table(existing.Id.ToString()), Relations.CanCommit,
                () => CatalogErrors.NoSuchTable(id), cancellationToken) is { } denied)
        {
            return denied;
        }

        if (await TabularStorage.ClaimAsync(tx, warehouse, tableLocation, existing.Id, exclusive: true, cancellationToken) is { } overlap)
        {
            return overlap;
        }

        await TabularRepository.SwapMetadataAsync(tx, existing.Id, existing.MetadataLocation, metadataLocation, json,
            tableLocation.ToString(), formatVersion, cancellationToken);
        await OutboxRepository.AddAsync(tx, events.Tabular(warehouse, existing.Id, TabularType.Table, "registerTable", id, data: null), cancellationToken);
        await completion.CommitAsync(tx, registered, cancellationToken);
        return registered;
    }

    /// <summary>
    /// Fresh storage credentials for the table: one vended entry when the warehouse vends (STS) and the
    /// caller may read, else none. A warehouse's own key is never handed out.
    /// </summary>
    public async Task<Result<StorageCredentialEntry?>> CredentialsAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, CancellationToken cancellationToken)
    {
        var id = new TableIdentifier(levels, name);
        var row = await VisibleTableAsync(warehouse, id, Relations.CanReadData, cancellationToken);
        return row.IsFailure
            ? row.Error
            : await delegations.CredentialsAsync(warehouse, row.Value.Id, row.Value.Location, id, cancellationToken);
    }

    /// <summary>Stores a scan or commit report sent by an engine.</summary>
    public async Task<Result<Done>> ReportMetricsAsync(
        WarehouseContext warehouse, IReadOnlyList<string> levels, string name, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (body.Length > options.Value.MaxMetricsReportBytes)
        {
            return IcebergError.BadRequest(
                $"The metrics report is {body.Length} bytes; the limit is {options.Value.MaxMetricsReportBytes} (LAKEKEEPER__CATALOG__MAXMETRICSREPORTBYTES)");
        }

        var report = RequestJson.MetricsReport(body);
        if (report.IsFailure)
        {
            return report.Error;
        }

        var id = new TableIdentifier(levels, name);
        var row = await VisibleTableAsync(warehouse, id, Relations.CanGetMetadata, cancellationToken);
        if (row.IsFailure)
        {
            return row.Error;
        }

        await metrics.AddAsync(warehouse.Id, row.Value.Id, report.Value.ReportType, report.Value.Json, options.Value.MetricsReportsPerTable, cancellationToken);
        LogReport(logger, report.Value.ReportType, id.ToString());
        return default(Done);
    }

    /// <summary>The table (without its document) if it exists and the caller holds <paramref name="relation"/> on it; else 404/403.</summary>
    private async Task<Result<TabularRow>> VisibleTableAsync(WarehouseContext warehouse, TableIdentifier id, string relation, CancellationToken cancellationToken)
    {
        var row = await tabulars.GetAsync(warehouse.Id, id.Namespace, id.Name, withMetadata: false, cancellationToken);
        if (row is null || row.Type != TabularType.Table)
        {
            return CatalogErrors.NoSuchTable(id);
        }

        return await access.RequireAsync(AuthzObject.Table(row.Id.ToString()), relation, () => CatalogErrors.NoSuchTable(id), cancellationToken) is { } denied
            ? denied
            : row;
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(EventId = 310, Level = LogLevel.Debug, Message = "Stored a {ReportType} for {Table}")]
    private static partial void LogReport(ILogger logger, string reportType, string table);
}
