using Lakekeeper.Authz;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.ServiceDefaults.Telemetry;
using Lakekeeper.Storage.Locations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// The one commit protocol of tables and views (updateTable, commitTransaction, replaceView). Each
/// attempt reads the current pointers, checks the requirements and applies the updates to the latest
/// metadata, writes the new metadata files, and then swaps every pointer in one transaction (with
/// the outbox events and the idempotency record). A swap that finds a moved pointer lost a race: the
/// attempt is rolled back, its files removed, and the commit retried from the requirements after a
/// short random backoff (bounded; each lost race is counted in <c>lakekeeper.catalog.commit.conflicts</c>).
/// Outcomes: the new documents, 4xx from the requirements or updates, 409 when retries run out, 503
/// <c>CommitStateUnknownException</c> when the database connection failed during COMMIT (the files
/// stay: the swap may have landed). Never 500 for an expected condition.
/// </summary>
internal sealed partial class CommitRunner(
    TabularRepository tabulars,
    Npgsql.NpgsqlDataSource dataSource,
    AccessGuard access,
    TabularStorage storage,
    CatalogEvents events,
    TimeProvider time,
    IOptions<CatalogOptions> options,
    Identifiers identifiers,
    ILogger<CommitRunner> logger)
{
    private static readonly System.Diagnostics.Metrics.Counter<long> Conflicts =
        LakekeeperDiagnostics.Meter.CreateCounter<long>("lakekeeper.catalog.commit.conflicts", description: "Commit attempts that lost a compare-and-swap race");

    private sealed record Planned<TMeta>(TabularRow Row, MetadataChange<TMeta> Change, TMeta Current, TMeta Result, bool Changed)
        where TMeta : class
    {
        public string? NewMetadataLocation { get; set; }

        public byte[]? Json { get; set; }
    }

    /// <summary>Commits one table or view (updateTable, replaceView); the answer is its document as it now stands.</summary>
    public Task<Result<MetadataDocument>> CommitAsync<TMeta>(
        MetadataKind<TMeta> kind, WarehouseContext warehouse, MetadataChange<TMeta> change, Completion<MetadataDocument> completion,
        CancellationToken cancellationToken)
        where TMeta : class =>
        RunAsync(kind, warehouse, [change], withDocuments: true, static documents => documents[0], completion, cancellationToken);

    /// <summary>Commits several tables atomically (commitTransaction): all land, or none does.</summary>
    public Task<Result<Done>> CommitTransactionAsync<TMeta>(
        MetadataKind<TMeta> kind, WarehouseContext warehouse, IReadOnlyList<MetadataChange<TMeta>> changes, Completion<Done> completion,
        CancellationToken cancellationToken)
        where TMeta : class =>
        RunAsync(kind, warehouse, changes, withDocuments: false, static _ => default(Done), completion, cancellationToken);

    /// <param name="withDocuments">Whether the answer needs the resulting documents (false: an empty list is passed).</param>
    /// <param name="outcome">What the caller answers with, from the resulting documents (one per change, in order).</param>
    /// <param name="completion">Commits the swap's transaction, with the idempotency record of the outcome.</param>
    private async Task<Result<T>> RunAsync<TMeta, T>(
        MetadataKind<TMeta> kind, WarehouseContext warehouse, IReadOnlyList<MetadataChange<TMeta>> changes,
        bool withDocuments, Func<IReadOnlyList<MetadataDocument>, T> outcome, Completion<T> completion, CancellationToken cancellationToken)
        where TMeta : class
    {
        var duplicate = changes.GroupBy(c => (NameKey.Of(c.Id.Namespace), NameKey.Of(c.Id.Name))).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return IcebergError.BadRequest($"A transaction may change each {kind.Noun} once; {duplicate.First().Id} appears {duplicate.Count()} times");
        }

        var authorized = new HashSet<TabularId>();
        var attempts = options.Value.CommitAttempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var plan = await PlanAsync(kind, warehouse, changes, authorized, cancellationToken);
            if (plan.IsFailure)
            {
                return plan.Error;
            }

            var committed = await TryCommitAsync(kind, warehouse, plan.Value, withDocuments, outcome, completion, cancellationToken);
            if (committed is { } done)
            {
                return done;
            }

            Conflicts.Add(1, new KeyValuePair<string, object?>("type", kind.Noun));
            LogRetry(logger, attempt, string.Join(", ", changes.Select(c => c.Id.ToString())));
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), cancellationToken);
        }

        return CatalogErrors.CommitConflict(changes[0].Id, attempts);
    }

    /// <summary>Reads each table or view, checks its requirements and applies its updates (no writes).</summary>
    private async Task<Result<List<Planned<TMeta>>>> PlanAsync<TMeta>(
        MetadataKind<TMeta> kind, WarehouseContext warehouse, IReadOnlyList<MetadataChange<TMeta>> changes, HashSet<TabularId> authorized,
        CancellationToken cancellationToken)
        where TMeta : class
    {
        var planned = new List<Planned<TMeta>>(changes.Count);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var change in changes)
        {
            var row = await tabulars.GetAsync(warehouse.Id, change.Id.Namespace, change.Id.Name, withMetadata: false, cancellationToken);
            if (row is null || row.Type != kind.Type)
            {
                return kind.NotFound(change.Id);
            }

            if (authorized.Add(row.Id)
                && await access.RequireAsync(kind.Object(row.Id), Relations.CanCommit, () => kind.NotFound(change.Id), cancellationToken) is { } denied)
            {
                return denied;
            }

            var current = kind.Cached(row.MetadataLocation);
            if (current is null)
            {
                var full = await tabulars.GetAsync(warehouse.Id, change.Id.Namespace, change.Id.Name, withMetadata: true, cancellationToken);
                if (full is null || full.Id != row.Id)
                {
                    return kind.NotFound(change.Id);
                }

                row = full;
                var parsed = kind.Parse(row.MetadataLocation, row.Metadata);
                if (parsed.IsFailure)
                {
                    throw new InvalidOperationException($"The stored metadata of {kind.Noun} {change.Id} at {row.MetadataLocation} does not parse: {parsed.Error.Message}");
                }

                current = parsed.Value;
            }

            switch (change.Apply(current, row.MetadataLocation, now))
            {
                case CommitOutcome<TMeta>.Failed failed:
                    return failed.Error.Code == 404 ? kind.NotFound(change.Id) : failed.Error;
                case CommitOutcome<TMeta>.Unchanged:
                    planned.Add(new Planned<TMeta>(row, change, current, current, Changed: false));
                    break;
                case CommitOutcome<TMeta>.Changed { Metadata: var result }:
                    // An upgrade must stay within the warehouse's format version policy (tables only).
                    if (kind.Type == TabularType.Table && kind.FormatVersion(result) != kind.FormatVersion(current)
                        && warehouse.RefuseFormatVersion(kind.FormatVersion(result)) is { } refused)
                    {
                        return refused;
                    }

                    if (kind.Location(result) != kind.Location(current) && TabularStorage.Inside(warehouse, kind.Location(result), kind.Noun) is { IsFailure: true } bad)
                    {
                        return bad.Error;
                    }

                    if (identifiers.CheckProperties(kind.Properties(result), kind.Noun) is { } tooLarge)
                    {
                        return tooLarge;
                    }

                    if (TabularStorage.CheckDataPaths(warehouse, kind.Location(result), kind.Properties(result),
                        kind.Location(result) == kind.Location(current) ? kind.Properties(current) : null) is { } outside)
                    {
                        return outside;
                    }

                    planned.Add(new Planned<TMeta>(row, change, current, result, Changed: true));
                    break;
            }
        }

        return planned;
    }

    /// <summary>Writes the files and swaps the pointers. Null: a pointer moved (retry).</summary>
    private async Task<Result<T>?> TryCommitAsync<TMeta, T>(
        MetadataKind<TMeta> kind, WarehouseContext warehouse, List<Planned<TMeta>> planned, bool withDocuments,
        Func<IReadOnlyList<MetadataDocument>, T> outcome, Completion<T> completion, CancellationToken cancellationToken)
        where TMeta : class
    {
        var changed = planned.Where(p => p.Changed).ToList();
        if (changed.Count == 0)
        {
            // Nothing changed: no file, no swap, the current metadata is the answer.
            var documents = withDocuments ? await CurrentDocumentsAsync(kind, warehouse, planned, cancellationToken) : [];
            if (documents is null)
            {
                return null;
            }

            var unchanged = outcome(documents);
            await completion.CommitUnchangedAsync(unchanged, cancellationToken);
            return unchanged;
        }

        var written = new List<string>();
        var keepFiles = false;
        try
        {
            foreach (var p in changed)
            {
                p.Json = kind.Write(p.Result);
                if (p.Json.Length > options.Value.MaxMetadataBytes)
                {
                    return IcebergError.BadRequest(
                        $"The new metadata of {kind.Noun} {p.Change.Id} would be {p.Json.Length} bytes; the limit is {options.Value.MaxMetadataBytes} (LAKEKEEPER__CATALOG__MAXMETADATABYTES)");
                }

                p.NewMetadataLocation = kind.NextMetadataLocation(p.Result, p.Row.MetadataLocation);
                if (TabularStorage.Inside(warehouse, p.NewMetadataLocation, "metadata") is { IsFailure: true } bad)
                {
                    return bad.Error;
                }

                if (await TabularStorage.WriteMetadataAsync(warehouse, p.NewMetadataLocation, p.Json, kind.UseGzip(p.Result), cancellationToken) is { } unwritable)
                {
                    return unwritable;
                }

                written.Add(p.NewMetadataLocation);
            }

            await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
            for (var i = 0; i < changed.Count; i++)
            {
                var p = changed[i];
                var location = StorageLocation.Parse(kind.Location(p.Result));
                if (kind.Location(p.Result) != kind.Location(p.Current)
                    && await TabularStorage.ClaimAsync(tx, warehouse, location, p.Row.Id, exclusive: true, cancellationToken) is { } overlap)
                {
                    return overlap;
                }

                if (await TabularStorage.CheckMetadataPlacementAsync(tx, warehouse, location, p.NewMetadataLocation!, p.Row.Id, cancellationToken) is { } misplaced)
                {
                    return misplaced;
                }

                if (!await TabularRepository.SwapMetadataAsync(tx, p.Row.Id, p.Row.MetadataLocation, p.NewMetadataLocation!, p.Json!,
                        TabularStorage.LocationKey(kind.Location(p.Result)), kind.FormatVersion(p.Result), cancellationToken))
                {
                    return null;
                }

                // One event per changed table or view; a multi-table commit numbers them 0..N-1 under one request id.
                await OutboxRepository.AddAsync(tx, events.Tabular(warehouse, p.Row.Id, kind.Type, kind.EventType, p.Change.Id, p.Change.EventBody,
                    sequenceNumber: i, numEvents: changed.Count), cancellationToken);
            }

            // Only a transaction has unchanged members next to changed ones, and it answers with no documents.
            var result = outcome(withDocuments ? [.. changed.Select(p => new MetadataDocument(p.NewMetadataLocation!, p.Json!))] : []);
            try
            {
                await completion.CommitAsync(tx, result, cancellationToken);
            }
            catch (CommitOutcomeUnknownException ex)
            {
                // The files stay: the swap may have landed. The error boundary answers 503
                // CommitStateUnknownException with Retry-After (PostgresExceptionTranslator).
                keepFiles = true;
                LogUnknownOutcome(logger, ex, string.Join(", ", changed.Select(p => p.Change.Id.ToString())));
                throw;
            }

            keepFiles = true;
            foreach (var p in changed)
            {
                kind.Remember(p.NewMetadataLocation!, p.Result, p.Json!.Length);
                await kind.AfterCommitAsync(warehouse, p.Row.MetadataLocation, p.Current, p.NewMetadataLocation!, p.Result);
            }

            return result;
        }
        finally
        {
            if (!keepFiles)
            {
                foreach (var location in written)
                {
                    await storage.TryDeleteAsync(warehouse, location);
                }
            }
        }
    }

    /// <summary>
    /// The current documents of a commit that changed nothing; null when a pointer moved since it was
    /// read (the caller retries, as after a lost swap).
    /// </summary>
    private async Task<List<MetadataDocument>?> CurrentDocumentsAsync<TMeta>(
        MetadataKind<TMeta> kind, WarehouseContext warehouse, List<Planned<TMeta>> planned, CancellationToken cancellationToken)
        where TMeta : class
    {
        var documents = new List<MetadataDocument>(planned.Count);
        foreach (var p in planned)
        {
            var document = kind.UnchangedDocument(p.Current) ?? p.Row.Metadata;
            if (document is null)
            {
                var full = await tabulars.GetAsync(warehouse.Id, p.Change.Id.Namespace, p.Change.Id.Name, withMetadata: true, cancellationToken);
                if (full is null || full.Id != p.Row.Id || full.MetadataLocation != p.Row.MetadataLocation)
                {
                    return null;
                }

                document = full.Metadata!;
            }

            documents.Add(new MetadataDocument(p.Row.MetadataLocation, document));
        }

        return documents;
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Debug, Message = "Commit attempt {Attempt} to {Tables} lost a race; retrying")]
    private static partial void LogRetry(ILogger logger, int attempt, string tables);

    [LoggerMessage(EventId = 321, Level = LogLevel.Error, Message = "Commit to {Tables} has an unknown outcome")]
    private static partial void LogUnknownOutcome(ILogger logger, Exception exception, string tables);
}
