using System.Collections.Immutable;
using System.Text;
using Lakekeeper.Authz;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.ServiceDefaults.Telemetry;
using Lakekeeper.Storage.Locations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>One table's part of a commit: its requirements and updates, and the request JSON for the event.</summary>
internal sealed record TableChange(
    TableIdentifier Id, ImmutableArray<TableRequirement> Requirements, ImmutableArray<TableUpdate> Updates, ReadOnlyMemory<byte> Body);

/// <summary>
/// Commits to one or several tables atomically. Each attempt reads the current pointers, checks the
/// requirements and applies the updates to the latest metadata, writes the new metadata files, and
/// then swaps every pointer in one transaction (with the outbox events and the idempotency record).
/// A swap that finds a moved pointer lost a race: the attempt is rolled back, its files removed, and
/// the commit retried from the requirements (bounded). Outcomes: 200/204, 4xx from the requirements
/// or updates, 409 when retries run out, 503 <c>CommitStateUnknownException</c> when the database
/// connection failed during COMMIT. Never 500 for an expected condition.
/// </summary>
internal sealed partial class CommitRunner(
    TabularRepository tabulars,
    Npgsql.NpgsqlDataSource dataSource,
    AccessGuard access,
    MetadataCache cache,
    TabularStorage storage,
    TimeProvider time,
    IOptions<CatalogOptions> options,
    ILogger<CommitRunner> logger)
{
    private static readonly System.Diagnostics.Metrics.Counter<long> Conflicts =
        LakekeeperDiagnostics.Meter.CreateCounter<long>("lakekeeper.catalog.commit.conflicts", description: "Commit attempts that lost a compare-and-swap race");

    private sealed record Planned(TabularRow Row, TableChange Change, TableMetadata Current, TableMetadata Result, bool Changed)
    {
        public string? NewMetadataLocation { get; set; }

        public byte[]? Json { get; set; }
    }

    /// <param name="single">An updateTable call (200 with the metadata) rather than a transaction (204).</param>
    public async Task<CatalogResponse> RunAsync(
        WarehouseContext warehouse, IReadOnlyList<TableChange> changes, IdempotencyScope? idempotency, bool single, CancellationToken cancellationToken)
    {
        var duplicate = changes.GroupBy(c => (NameKey.Of(c.Id.Namespace), NameKey.Of(c.Id.Name))).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            return CatalogResponse.Error(IcebergError.BadRequest($"A transaction may change each table once; {duplicate.First().Id} appears {duplicate.Count()} times"));
        }

        var authorized = new HashSet<TabularId>();
        var attempts = options.Value.CommitAttempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var plan = await PlanAsync(warehouse, changes, authorized, cancellationToken);
            if (plan.IsFailure)
            {
                return CatalogResponse.Error(plan.Error);
            }

            var planned = plan.Value;
            var outcome = await TryCommitAsync(warehouse, planned, idempotency, single, cancellationToken);
            if (outcome is not null)
            {
                return outcome;
            }

            Conflicts.Add(1);
            LogRetry(logger, attempt, string.Join(", ", changes.Select(c => c.Id.ToString())));
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), cancellationToken);
        }

        return CatalogResponse.Error(CatalogErrors.CommitConflict(changes[0].Id, attempts));
    }

    /// <summary>Reads each table, checks its requirements and applies its updates (no writes).</summary>
    private async Task<Result<List<Planned>>> PlanAsync(
        WarehouseContext warehouse, IReadOnlyList<TableChange> changes, HashSet<TabularId> authorized, CancellationToken cancellationToken)
    {
        var planned = new List<Planned>(changes.Count);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var change in changes)
        {
            var row = await tabulars.GetAsync(warehouse.Id, change.Id.Namespace, change.Id.Name, withMetadata: false, cancellationToken);
            if (row is null || row.Type != TabularType.Table)
            {
                return CatalogErrors.NoSuchTable(change.Id);
            }

            if (authorized.Add(row.Id)
                && await access.RequireAsync(AuthzObject.Table(row.Id.ToString()), Relations.CanCommit,
                    () => CatalogErrors.NoSuchTable(change.Id), cancellationToken) is { } denied)
            {
                return denied;
            }

            var current = cache.GetTable(row.MetadataLocation);
            if (current is null)
            {
                var full = await tabulars.GetAsync(warehouse.Id, change.Id.Namespace, change.Id.Name, withMetadata: true, cancellationToken);
                if (full is null || full.Id != row.Id)
                {
                    return CatalogErrors.NoSuchTable(change.Id);
                }

                row = full;
                var parsed = cache.Table(row.MetadataLocation, row.Metadata);
                if (parsed.IsFailure)
                {
                    throw new InvalidOperationException($"The stored metadata of {change.Id} at {row.MetadataLocation} does not parse: {parsed.Error.Message}");
                }

                current = parsed.Value;
            }

            var outcome = TableCommitEngine.Commit(current, row.MetadataLocation, change.Requirements, change.Updates, now);
            switch (outcome)
            {
                case CommitOutcome<TableMetadata>.Failed failed:
                    return failed.Error.Code == 404 ? CatalogErrors.NoSuchTable(change.Id) : failed.Error;
                case CommitOutcome<TableMetadata>.Unchanged:
                    planned.Add(new Planned(row, change, current, current, Changed: false));
                    break;
                case CommitOutcome<TableMetadata>.Changed { Metadata: var result }:
                    if (result.Location != current.Location && TabularStorage.Inside(warehouse, result.Location, "table") is { IsFailure: true } bad)
                    {
                        return bad.Error;
                    }

                    planned.Add(new Planned(row, change, current, result, Changed: true));
                    break;
            }
        }

        return planned;
    }

    /// <summary>Writes the files and swaps the pointers. Null: a pointer moved (retry).</summary>
    private async Task<CatalogResponse?> TryCommitAsync(
        WarehouseContext warehouse, List<Planned> planned, IdempotencyScope? idempotency, bool single, CancellationToken cancellationToken)
    {
        var changed = planned.Where(p => p.Changed).ToList();
        if (changed.Count == 0)
        {
            // Nothing changed: no file, no swap, the current metadata is the answer.
            var response = Respond(planned, single);
            if (idempotency is not null)
            {
                await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
                await IdempotencyScope.CommitAsync(tx, idempotency, response, cancellationToken);
            }

            return response;
        }

        var written = new List<string>();
        var keepFiles = false;
        try
        {
            foreach (var p in changed)
            {
                p.Json = TableMetadataJson.Write(p.Result);
                p.NewMetadataLocation = MetadataFiles.NextTableMetadataLocation(p.Result, p.Row.MetadataLocation);
                if (TabularStorage.Inside(warehouse, p.NewMetadataLocation, "metadata") is { IsFailure: true } bad)
                {
                    return CatalogResponse.Error(bad.Error);
                }

                if (await TabularStorage.WriteMetadataAsync(warehouse, p.NewMetadataLocation, p.Json, MetadataFiles.UseGzip(p.Result), cancellationToken) is { } unwritable)
                {
                    return CatalogResponse.Error(unwritable);
                }

                written.Add(p.NewMetadataLocation);
            }

            await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
            foreach (var p in changed)
            {
                var tableLocation = StorageLocation.Parse(p.Result.Location);
                if (p.Result.Location != p.Current.Location
                    && await TabularStorage.ClaimAsync(tx, warehouse, tableLocation, p.Row.Id, exclusive: true, cancellationToken) is { } overlap)
                {
                    return CatalogResponse.Error(overlap);
                }

                if (await TabularStorage.CheckMetadataPlacementAsync(tx, warehouse, tableLocation, p.NewMetadataLocation!, p.Row.Id, cancellationToken) is { } misplaced)
                {
                    return CatalogResponse.Error(misplaced);
                }

                if (!await TabularRepository.SwapMetadataAsync(tx, p.Row.Id, p.Row.MetadataLocation, p.NewMetadataLocation!, p.Json!,
                        TabularStorage.LocationKey(p.Result.Location), p.Result.FormatVersion, cancellationToken))
                {
                    return null;
                }

                await OutboxRepository.AddAsync(tx, CatalogEvents.Tabular(warehouse, p.Row.Id, "updateTable", p.Change.Id,
                    Encoding.UTF8.GetString(p.Change.Body.Span)), cancellationToken);
            }

            var response = Respond(planned, single);
            try
            {
                await IdempotencyScope.CommitAsync(tx, idempotency, response, cancellationToken);
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
                cache.SetTable(p.NewMetadataLocation!, p.Result, p.Json!.Length);
                await DeleteExpiredMetadataAsync(warehouse, p);
            }

            return response;
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

    private static CatalogResponse Respond(List<Planned> planned, bool single)
    {
        if (!single)
        {
            return CatalogResponse.NoContent;
        }

        var p = planned[0];
        var location = p.NewMetadataLocation ?? p.Row.MetadataLocation;
        var json = p.Json ?? TableMetadataJson.Write(p.Result);
        return CatalogResponse.Json(LoadResults.Body(location, json, config: null, storageCredentials: false), LoadResults.ETag(location, "all"));
    }

    /// <summary>
    /// With <c>write.metadata.delete-after-commit.enabled=true</c>, metadata files that fell out of the
    /// metadata log are removed (after the commit, best effort).
    /// </summary>
    private async Task DeleteExpiredMetadataAsync(WarehouseContext warehouse, Planned p)
    {
        if (!p.Result.Properties.TryGetValue("write.metadata.delete-after-commit.enabled", out var enabled)
            || !bool.TryParse(enabled, out var on) || !on)
        {
            return;
        }

        var kept = p.Result.MetadataLog.Select(e => e.MetadataFile).ToHashSet(StringComparer.Ordinal);
        kept.Add(p.NewMetadataLocation!);
        var before = p.Current.MetadataLog.Select(e => e.MetadataFile).Append(p.Row.MetadataLocation);
        foreach (var location in before.Where(l => !kept.Contains(l)))
        {
            if (TabularStorage.Inside(warehouse, location, "metadata").IsSuccess)
            {
                await storage.TryDeleteAsync(warehouse, location);
            }
        }
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Debug, Message = "Commit attempt {Attempt} to {Tables} lost a race; retrying")]
    private static partial void LogRetry(ILogger logger, int attempt, string tables);

    [LoggerMessage(EventId = 321, Level = LogLevel.Error, Message = "Commit to {Tables} has an unknown outcome")]
    private static partial void LogUnknownOutcome(ILogger logger, Exception exception, string tables);
}
