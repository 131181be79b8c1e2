using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Drop with <c>purgeRequested=true</c>: the drop answers at once and a durable task removes the
/// table's files in the background; the location stays reserved until they are gone; the task
/// survives a restart of the host. Without purge the files stay.
/// </summary>
public sealed class PurgeTests(CommitsAppFixture fixture) : IClassFixture<CommitsAppFixture>
{
    private static readonly TimeSpan PurgeDeadline = TimeSpan.FromSeconds(45);
    private readonly CommitsCatalog _catalog = fixture.Catalog;

    private static string Folder(TableState state) => CommitsCatalog.PathOf(state.Metadata.GetProperty("location").GetString()!);

    /// <summary>A table with two metadata files and a data file an engine wrote.</summary>
    private static async Task<TableState> TableWithFilesAsync(CommitsCatalog catalog, string ns, string name, string? location = null)
    {
        var created = await catalog.CreateTableOkAsync(ns, name, location);
        Assert.Equal(200, (await catalog.CommitAsync(ns, name, CommitsCatalog.AppendBody(created, CommitsCatalog.NextSnapshotId()))).Status);
        var data = Path.Combine(Folder(created), "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "00000-0-data.parquet"), "not really parquet");
        Assert.Equal(3, Directory.EnumerateFiles(Folder(created), "*", SearchOption.AllDirectories).Count());
        return await catalog.LoadOkAsync(ns, name);
    }

    private static bool Gone(string folder) =>
        !Directory.Exists(folder) || !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any();

    [Fact]
    public async Task Drop_with_purge_answers_204_and_the_files_go_in_the_background()
    {
        var table = await TableWithFilesAsync(_catalog, "purge_bg", "t");

        var drop = await _catalog.DropTableAsync("purge_bg", "t", purge: true);

        Assert.Equal(204, drop.Status);
        Assert.Equal(404, (await _catalog.LoadAsync("purge_bg", "t")).Status);
        await Eventually.TrueAsync(() => Task.FromResult(Gone(Folder(table))), PurgeDeadline, "the purge of the dropped table's files");
        await Eventually.TrueAsync(async () => await _catalog.CountAsync("SELECT count(*) FROM task WHERE entity_id = $1::uuid", table.Uuid) == 0,
            PurgeDeadline, "the purge task to finish");
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM task_log WHERE entity_id = $1::uuid AND outcome = 'success'", table.Uuid));
    }

    [Fact]
    public async Task Drop_without_purge_leaves_the_files()
    {
        var kept = await TableWithFilesAsync(_catalog, "purge_no", "kept");
        var purged = await TableWithFilesAsync(_catalog, "purge_no", "purged");
        var keptFiles = Directory.EnumerateFiles(Folder(kept), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(204, (await _catalog.DropTableAsync("purge_no", "kept", purge: false)).Status);
        Assert.Equal(204, (await _catalog.DropTableAsync("purge_no", "purged", purge: true)).Status);

        // Once the worker has handled the purged table, it has had its chance at the kept one.
        await Eventually.TrueAsync(() => Task.FromResult(Gone(Folder(purged))), PurgeDeadline, "the purge of the other table");
        Assert.Equal(keptFiles, Directory.EnumerateFiles(Folder(kept), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(0L, await _catalog.CountAsync("SELECT count(*) FROM task WHERE entity_id = $1::uuid", kept.Uuid));
        Assert.Equal(0L, await _catalog.CountAsync("SELECT count(*) FROM task_log WHERE entity_id = $1::uuid", kept.Uuid));
    }

    [Fact]
    public async Task A_pending_purge_reserves_its_location_and_survives_a_restart()
    {
        var root = Directory.CreateTempSubdirectory("lakekeeper-purge-").FullName;
        try
        {
            // One purge worker, so that holding it keeps the purge under test waiting.
            var settings = new Dictionary<string, string?>
            {
                ["Storage:AllowedFileRoots:1"] = root, ["Log:Level"] = "Critical", ["TASK_TABULAR_PURGE_WORKERS"] = "1",
            };
            var folder = Path.Combine(root, "wh");
            string connectionString;
            string prefix;
            TableState table;
            var location = $"file://{folder}/explicit/t";
            var first = await StandaloneApp.StartAsync(settings);
            PurgeWorkerHold? busy = null;
            try
            {
                connectionString = first.ConnectionString;
                prefix = await CommitsCatalog.CreateWarehouseAsync(first.Client, "purge", folder);
                var catalog = new CommitsCatalog(first.Client, prefix, folder, connectionString);
                table = await TableWithFilesAsync(catalog, "ns", "t", location);
                Assert.Equal(location, table.Metadata.GetProperty("location").GetString());

                busy = await PurgeWorkerHold.TakeAsync(catalog, $"file://{folder}/decoy");

                var drop = await catalog.DropTableAsync("ns", "t", purge: true);
                Assert.Equal(204, drop.Status);
                Assert.Equal(1L, await catalog.CountAsync("SELECT count(*) FROM task WHERE entity_id = $1::uuid AND status = 'scheduled'", table.Uuid));

                // The location (and anything inside it) is reserved while the files are still there.
                var filesBefore = catalog.MetadataFiles(Folder(table));
                foreach (var taken in new[] { location, location + "/inner" })
                {
                    var create = await catalog.SendAsync(HttpMethod.Post, catalog.Url("namespaces/ns/tables"), CommitsCatalog.CreateTableBody("again", taken));
                    Assert.Equal(400, create.Status);
                    Assert.Contains("being purged", create.ErrorMessage, StringComparison.Ordinal);
                }

                Assert.Equal(filesBefore, catalog.MetadataFiles(Folder(table)));
                Assert.False(Gone(Folder(table)));
            }
            finally
            {
                // Stop the host while its worker is still held, then let go of the hold.
                await first.DisposeAsync();
                if (busy is not null)
                {
                    await busy.DisposeAsync();
                }
            }

            // A new host on the same database finishes the purge the old one never ran.
            Assert.False(Gone(Folder(table)));
            await using var second = await StandaloneApp.StartAsync(new Dictionary<string, string?>(settings) { ["Database:ConnectionString"] = connectionString });
            var restarted = new CommitsCatalog(second.Client, prefix, folder, connectionString);
            await Eventually.TrueAsync(() => Task.FromResult(Gone(Folder(table))), PurgeDeadline, "the purge after the restart");
            await Eventually.TrueAsync(async () => await restarted.CountAsync("SELECT count(*) FROM task WHERE entity_id = $1::uuid", table.Uuid) == 0,
                PurgeDeadline, "the purge task to finish");

            // Purged, the location is free again.
            Assert.Equal(200, (await restarted.CreateTableAsync("ns", "again", location)).Status);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

/// <summary>
/// Keeps the catalog's purge worker busy without touching product code: a decoy purge task is
/// queued, and the test holds an uncommitted <c>task_log</c> row with the key the worker will
/// write when it finishes the decoy, so the worker waits on that row until this is disposed.
/// </summary>
internal sealed class PurgeWorkerHold : IAsyncDisposable
{
    private readonly Npgsql.NpgsqlConnection _connection;
    private readonly Npgsql.NpgsqlTransaction _transaction;

    private PurgeWorkerHold(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<PurgeWorkerHold> TakeAsync(CommitsCatalog catalog, string decoyLocation)
    {
        var decoy = Guid.CreateVersion7();

        // The held row goes in first: with the task already visible, a quick worker could record its
        // outcome before the hold exists (task_log has no foreign key to task).
        var hold = await catalog.OpenDatabaseAsync();
        var transaction = await hold.BeginTransactionAsync();
        await using (var log = CommitsCatalog.Command(hold,
            "INSERT INTO task_log (task_id, attempt, queue, outcome, message) VALUES ($1, 1, 'tabular_purge', 'cancelled', 'held by a test')", decoy))
        {
            log.Transaction = transaction;
            await log.ExecuteNonQueryAsync();
        }

        await using (var connection = await catalog.OpenDatabaseAsync())
        await using (var insert = CommitsCatalog.Command(connection,
            "INSERT INTO task (task_id, queue, warehouse_id, location, scheduled_for) VALUES ($1, 'tabular_purge', $2::uuid, $3, now() - interval '1 hour')",
            decoy, catalog.Prefix, decoyLocation))
        {
            await insert.ExecuteNonQueryAsync();
        }

        // The worker claims the decoy, finds nothing to delete and blocks recording its outcome.
        await catalog.WaitForLockWaitersAsync(1);
        Assert.Equal(1L, await catalog.CountAsync("SELECT count(*) FROM task WHERE task_id = $1 AND status = 'running'", decoy));
        return new PurgeWorkerHold(hold, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.RollbackAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
