using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Storage.Locations;
using Npgsql;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// A new table or view: its row, its first metadata document (written by us, or an existing file for
/// register) and the event to record.
/// </summary>
internal sealed record NewTabularPlan(
    WarehouseContext Warehouse,
    NamespaceRecord Namespace,
    TableIdentifier Id,
    TabularType Type,
    TabularId TabularId,
    StorageLocation Location,
    bool ExplicitLocation,
    string MetadataLocation,
    byte[] Json,
    int FormatVersion,
    OutboxEvent Event)
{
    /// <summary>Gzip for a file we write; null when the metadata file already exists (register).</summary>
    public bool? WriteGzip { get; init; }
}

/// <summary>A metadata file found for register: where it is, its JSON, what it says, and the table's or view's location.</summary>
internal sealed record RegisteredMetadata<TMeta>(string MetadataLocation, byte[] Json, TMeta Metadata, StorageLocation Location);

/// <summary>
/// What creating and registering tables and views share: the target namespace and permission, reading
/// a registered metadata file, and the insert itself — name check, location claim, row, event and
/// idempotency record in one transaction, with the new metadata file written before and removed if
/// the row does not commit.
/// </summary>
internal sealed class TabularCreation(
    NamespaceRepository namespaces, NpgsqlDataSource dataSource, AccessGuard access, Identifiers identifiers, TabularStorage storage,
    AuthzOutbox outbox)
{
    /// <summary>The namespace a new table or view goes into, once its name is valid and the caller may create there.</summary>
    public async Task<Result<NamespaceRecord>> TargetAsync(WarehouseContext warehouse, TableIdentifier id, TabularType type, CancellationToken cancellationToken)
    {
        if (identifiers.CheckName(id.Name, type == TabularType.Table ? "Table name" : "View name") is { } invalid)
        {
            return invalid;
        }

        var ns = await namespaces.GetAsync(warehouse.Id, id.Namespace, cancellationToken);
        if (ns is null)
        {
            return CatalogErrors.NoSuchNamespace(id.Namespace);
        }

        var relation = type == TabularType.Table ? Relations.CanCreateTable : Relations.CanCreateView;
        return await access.RequireAsync(AuthzObject.Namespace(ns.Id.ToString()), relation,
                () => CatalogErrors.NoSuchNamespace(id.Namespace), cancellationToken) is { } denied
            ? denied
            : ns;
    }

    /// <summary>
    /// A metadata file to register: inside the warehouse, present, decoded (gzip or not), parsed,
    /// and describing a location inside the warehouse.
    /// </summary>
    public static async Task<Result<RegisteredMetadata<TMeta>>> ReadRegisteredAsync<TMeta>(
        WarehouseContext warehouse, string requested, Func<byte[], Result<TMeta>> parse, Func<TMeta, string> locationOf, string what,
        CancellationToken cancellationToken)
    {
        var file = TabularStorage.Inside(warehouse, requested, "metadata file");
        if (file.IsFailure)
        {
            return file.Error;
        }

        var json = await TabularStorage.ReadMetadataAsync(warehouse, file.Value, cancellationToken);
        if (json.IsFailure)
        {
            return json.Error;
        }

        var metadata = parse(json.Value);
        if (metadata.IsFailure)
        {
            return IcebergError.BadRequest($"Cannot register {requested}: {metadata.Error.Message}");
        }

        var location = TabularStorage.Inside(warehouse, locationOf(metadata.Value), what);
        return location.IsFailure
            ? location.Error
            : new RegisteredMetadata<TMeta>(file.Value.ToString(), json.Value, metadata.Value, location.Value);
    }

    /// <param name="nameTaken">The error when the name is already used, by what.</param>
    /// <param name="uuidTaken">The error when the chosen UUID belongs to another table or view.</param>
    /// <param name="outcome">What the caller answers with once the row is in.</param>
    public async Task<Result<T>> InsertAsync<T>(
        NewTabularPlan plan, Func<TabularType, IcebergError> nameTaken, Func<IcebergError> uuidTaken, T outcome,
        Completion<T> completion, CancellationToken cancellationToken)
    {
        var warehouse = plan.Warehouse;
        if (plan.WriteGzip is { } gzip
            && await TabularStorage.WriteMetadataAsync(warehouse, plan.MetadataLocation, plan.Json, gzip, cancellationToken) is { } unwritable)
        {
            return unwritable;
        }

        var keepFile = plan.WriteGzip is null;
        try
        {
            await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
            if (await TabularRepository.NameTakenByAsync(tx, plan.Namespace.Id, plan.Id.Name, cancellationToken) is { } takenBy)
            {
                return Taken(plan.Id, takenBy, nameTaken);
            }

            if (await TabularStorage.ClaimAsync(tx, warehouse, plan.Location, null, plan.ExplicitLocation || !storage.DefaultLocationsAreUnique(warehouse), cancellationToken) is { } overlap)
            {
                return overlap;
            }

            if (plan.WriteGzip is not null
                && await TabularStorage.CheckMetadataPlacementAsync(tx, warehouse, plan.Location, plan.MetadataLocation, null, cancellationToken) is { } misplaced)
            {
                return misplaced;
            }

            var row = new NewTabular(plan.TabularId, warehouse.Id, plan.Namespace.Id, plan.Id.Name, plan.Type, plan.MetadataLocation, plan.Json,
                plan.Location.ToString(), plan.FormatVersion);
            if (await InsertAsync(tx, row, plan.Id, nameTaken, uuidTaken, cancellationToken) is { } refused)
            {
                return refused;
            }

            await OutboxRepository.AddAsync(tx, plan.Event, cancellationToken);
            // The creator owns it; it hangs below its namespace (docs/authz.md, tuple hygiene).
            var self = TabularObjects.Of(plan.Type, plan.TabularId);
            await AuthzOutbox.AddAsync(tx,
                new TupleChanges().Write(AuthzHierarchy.Link(self, AuthzObject.Namespace(plan.Namespace.Id.ToString()))).Own(self, access.Caller),
                cancellationToken);
            await completion.CommitAsync(tx, outcome, cancellationToken);
            keepFile = true;
            await outbox.DeliverAsync(cancellationToken);
            return outcome;
        }
        catch (CommitOutcomeUnknownException)
        {
            keepFile = true; // The row may exist and point at the file.
            throw;
        }
        finally
        {
            if (!keepFile)
            {
                await storage.TryDeleteAsync(warehouse, plan.MetadataLocation);
            }
        }
    }

    /// <summary>Inserts the row; a concurrent insert of the name, a dropped namespace or a taken UUID is an error value.</summary>
    private static async Task<IcebergError?> InsertAsync(
        DbTransaction tx, NewTabular row, TableIdentifier id, Func<TabularType, IcebergError> nameTaken, Func<IcebergError> uuidTaken,
        CancellationToken cancellationToken)
    {
        try
        {
            if (await TabularRepository.InsertAsync(tx, row, cancellationToken) == TabularInsertOutcome.Inserted)
            {
                return null;
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return CatalogErrors.NoSuchNamespace(id.Namespace);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "tabular_pkey")
        {
            return uuidTaken();
        }

        var takenBy = await TabularRepository.NameTakenByAsync(tx, row.NamespaceId, row.Name, cancellationToken);
        return takenBy is null ? nameTaken(row.Type) : Taken(id, takenBy, nameTaken);
    }

    /// <summary>The error for a taken name: by a live table or view, or by a dropped one that keeps it reserved.</summary>
    internal static IcebergError Taken(TableIdentifier id, TabularNameHolder holder, Func<TabularType, IcebergError> nameTaken) =>
        holder.IsDropped ? CatalogErrors.NameReservedByDropped(id, holder) : nameTaken(holder.Type);
}

/// <summary>Tables and views as objects of the authorization model.</summary>
internal static class TabularObjects
{
    public static AuthzObject Of(TabularType type, TabularId id) =>
        type == TabularType.Table ? AuthzObject.Table(id.ToString()) : AuthzObject.View(id.ToString());

    /// <summary>The tuples a dropped table or view leaves behind: its link to the namespace and everything on it.</summary>
    public static TupleChanges Dropped(TabularType type, TabularId id, NamespaceId ns)
    {
        var self = Of(type, id);
        return new TupleChanges().Delete(AuthzHierarchy.Link(self, AuthzObject.Namespace(ns.ToString()))).Purge(self);
    }
}
