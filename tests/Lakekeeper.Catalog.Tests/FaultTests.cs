using System.Collections.Concurrent;
using System.Security.Cryptography;
using Lakekeeper.Catalog.Tests.Support;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// Failures in the middle of the commit protocol (tables and views alike): a process killed after it
/// wrote the new metadata file but before the database committed, a lost answer to COMMIT, and a
/// database that drops the catalog's connections while clients commit. The catalog answers 200, 409
/// or 503 (never 500), and what it acknowledged is exactly what the tables and views hold.
/// </summary>
public sealed class FaultTests
{
    /// <summary>Settings of a standalone process over its own database and warehouse folder (the same for a restart).</summary>
    private static Dictionary<string, string> ProcessSettings(string connectionString, string root) => new()
    {
        ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = connectionString,
        ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = root,
        ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
    };

    /// <summary>
    /// Starts <paramref name="commit"/> and kills <paramref name="process"/> once the commit has written
    /// its new metadata file and its compare-and-swap waits for our lock on the row: a crash between
    /// the file write and COMMIT.
    /// </summary>
    private static async Task KillWhileTheSwapWaitsAsync(ServiceProcess process, CommitsCatalog catalog, string uuid, string folder, Func<Task<Reply>> commit)
    {
        var files = catalog.MetadataFiles(folder).Count;
        var rowLock = await catalog.LockTableRowAsync(uuid);
        try
        {
            var running = Task.Run(commit);
            await Eventually.TrueAsync(() => Task.FromResult(catalog.MetadataFiles(folder).Count == files + 1), TimeSpan.FromSeconds(30), "the commit's new metadata file");
            await catalog.WaitForLockWaitersAsync(1);

            process.Kill();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => running);
        }
        finally
        {
            await rowLock.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_crash_between_the_metadata_write_and_the_database_commit_leaves_the_previous_version()
    {
        var postgres = await PostgresServer.SharedAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        var root = Directory.CreateTempSubdirectory("lakekeeper-crash-").FullName;
        var environment = ProcessSettings(connectionString, root);
        try
        {
            TableState before;
            string prefix;
            string tableFolder;
            await using (var first = await ServiceProcess.StartAsync("standalone", FreePort.Next(), environment))
            {
                using var http = new HttpClient { BaseAddress = first.BaseAddress };
                prefix = await CommitsCatalog.CreateWarehouseAsync(http, "crash", Path.Combine(root, "crash"));
                var catalog = new CommitsCatalog(http, prefix, Path.Combine(root, "crash"), connectionString);
                var created = await catalog.CreateTableOkAsync("ns", "t");
                Assert.Equal(200, (await catalog.CommitAsync("ns", "t", CommitsCatalog.AppendBody(created, CommitsCatalog.NextSnapshotId()))).Status);
                before = await catalog.LoadOkAsync("ns", "t");
                tableFolder = CommitsCatalog.PathOf(before.Metadata.GetProperty("location").GetString()!);
                Assert.Equal(2, catalog.MetadataFiles(tableFolder).Count);

                await KillWhileTheSwapWaitsAsync(first, catalog, before.Uuid, tableFolder,
                    () => catalog.CommitAsync("ns", "t", CommitsCatalog.AppendBody(before, CommitsCatalog.NextSnapshotId())));
            }

            await using var second = await ServiceProcess.StartAsync("standalone", FreePort.Next(), environment);
            using var http2 = new HttpClient { BaseAddress = second.BaseAddress };
            var restarted = new CommitsCatalog(http2, prefix, Path.Combine(root, "crash"), connectionString);

            var loaded = await restarted.LoadOkAsync("ns", "t");
            Assert.Equal(before.MetadataLocation, loaded.MetadataLocation);
            Assert.Equal(before.MainChain(), loaded.MainChain());
            var known = before.Metadata.GetProperty("metadata-log").EnumerateArray()
                .Select(e => CommitsCatalog.PathOf(e.GetProperty("metadata-file").GetString()!)).Append(CommitsCatalog.PathOf(before.MetadataLocation)).ToList();
            var orphan = Assert.Single(restarted.MetadataFiles(tableFolder).Except(known));

            // The orphan (same version number as the next commit) is in nobody's way.
            var next = CommitsCatalog.NextSnapshotId();
            var commitAfter = await restarted.CommitAsync("ns", "t", CommitsCatalog.AppendBody(loaded, next));
            Assert.Equal(200, commitAfter.Status);
            var after = await restarted.LoadOkAsync("ns", "t");
            Assert.Equal([.. before.MainChain(), next], after.MainChain());
            Assert.Equal(before.MetadataLogLength + 1, after.MetadataLogLength);
            Assert.NotEqual(orphan, CommitsCatalog.PathOf(after.MetadataLocation));
            Assert.True(File.Exists(orphan));
            Assert.Equal(2L, await restarted.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable'"));
            Assert.Equal(200, (await restarted.CommitAsync("ns", "t", CommitsCatalog.AppendBody(after, CommitsCatalog.NextSnapshotId()))).Status);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_crash_between_the_view_metadata_write_and_the_database_commit_leaves_the_previous_version()
    {
        var postgres = await PostgresServer.SharedAsync();
        var connectionString = await postgres.CreateDatabaseAsync();
        var root = Directory.CreateTempSubdirectory("lakekeeper-crash-view-").FullName;
        var environment = ProcessSettings(connectionString, root);
        try
        {
            ViewState before;
            string createdLocation;
            string prefix;
            string viewFolder;
            await using (var first = await ServiceProcess.StartAsync("standalone", FreePort.Next(), environment))
            {
                using var http = new HttpClient { BaseAddress = first.BaseAddress };
                prefix = await CommitsCatalog.CreateWarehouseAsync(http, "crash", Path.Combine(root, "crash"));
                var catalog = new CommitsCatalog(http, prefix, Path.Combine(root, "crash"), connectionString);
                var created = await catalog.CreateViewOkAsync("ns", "v");
                createdLocation = created.MetadataLocation;
                Assert.Equal(200, (await catalog.ReplaceViewAsync("ns", "v",
                    CommitsCatalog.SetViewPropertiesBody(created.Uuid, new Dictionary<string, string> { ["first"] = "1" }))).Status);
                before = await catalog.LoadViewOkAsync("ns", "v");
                viewFolder = CommitsCatalog.PathOf(before.Location);
                Assert.Equal(2, catalog.MetadataFiles(viewFolder).Count);

                await KillWhileTheSwapWaitsAsync(first, catalog, before.Uuid, viewFolder,
                    () => catalog.ReplaceViewAsync("ns", "v", CommitsCatalog.SetViewPropertiesBody(before.Uuid, new Dictionary<string, string> { ["lost"] = "1" })));
            }

            await using var second = await ServiceProcess.StartAsync("standalone", FreePort.Next(), environment);
            using var http2 = new HttpClient { BaseAddress = second.BaseAddress };
            var restarted = new CommitsCatalog(http2, prefix, Path.Combine(root, "crash"), connectionString);

            var loaded = await restarted.LoadViewOkAsync("ns", "v");
            Assert.Equal(before.MetadataLocation, loaded.MetadataLocation);
            Assert.False(loaded.Properties.ContainsKey("lost"));
            var orphan = Assert.Single(restarted.MetadataFiles(viewFolder).Except([CommitsCatalog.PathOf(createdLocation), CommitsCatalog.PathOf(before.MetadataLocation)]));

            // The orphan is in nobody's way: the next replace lands in a file of its own.
            var after = await restarted.ReplaceViewAsync("ns", "v", CommitsCatalog.SetViewPropertiesBody(before.Uuid, new Dictionary<string, string> { ["next"] = "1" }));
            Assert.Equal(200, after.Status);
            var current = await restarted.LoadViewOkAsync("ns", "v");
            Assert.Equal("1", current.Properties["next"]);
            Assert.False(current.Properties.ContainsKey("lost"));
            Assert.NotEqual(orphan, CommitsCatalog.PathOf(current.MetadataLocation));
            Assert.True(File.Exists(orphan));
            Assert.Equal(2L, await restarted.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateView'"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Connections_dropped_under_load_give_200_409_or_503_and_lose_nothing_acknowledged()
    {
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?> { ["Log:Level"] = "Critical" });
        var catalog = await CommitsCatalog.ForAsync(app);
        var tables = new[] { "a", "b", "c" };
        foreach (var table in tables)
        {
            await catalog.CreateTableOkAsync("load", table);
        }

        var acknowledged = new ConcurrentDictionary<long, string>();
        var unknown = new ConcurrentDictionary<long, string>();
        var statuses = new ConcurrentBag<int>();
        var bad = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        async Task<TableState?> LoadAsync(string table)
        {
            var reply = await catalog.LoadAsync("load", table);
            statuses.Add(reply.Status);
            if (reply.Status == 200)
            {
                return new TableState(reply.Json.GetProperty("metadata-location").GetString()!, reply.Json.GetProperty("metadata").Clone());
            }

            Check503(reply);
            return null;
        }

        void Check503(Reply reply)
        {
            if (reply.Status != 503)
            {
                bad.Add(reply.ToString());
            }
            else if (reply.Headers.RetryAfter is null)
            {
                bad.Add("503 without Retry-After: " + reply.Body);
            }
        }

        async Task ClientAsync(string table)
        {
            for (var attempt = 0; attempt < 12; attempt++)
            {
                if (await LoadAsync(table) is not { } state)
                {
                    continue;
                }

                var id = CommitsCatalog.NextSnapshotId();
                var reply = await catalog.CommitAsync("load", table, CommitsCatalog.AppendBody(state, id));
                statuses.Add(reply.Status);
                switch (reply.Status)
                {
                    case 200:
                        acknowledged[id] = table;
                        break;
                    case 409:
                        break;
                    default:
                        Check503(reply);
                        unknown[id] = table;
                        break;
                }
            }
        }

        var terminated = 0L;
        async Task KillerAsync()
        {
            await using var admin = await catalog.OpenDatabaseAsync();
            while (!stop.IsCancellationRequested)
            {
                await using (var kill = CommitsCatalog.Command(admin,
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'lakekeeper' AND pid <> pg_backend_pid()"))
                {
                    terminated += Convert.ToInt64(await kill.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
                }

                // Pacing of the fault, not synchronisation: let some commits through between the cuts.
                await Task.Delay(25, CancellationToken.None);
            }
        }

        // Transactions over a and b: each pair must land whole or not at all, whatever the answer.
        var pairs = new ConcurrentBag<(long A, long B, int Status)>();
        async Task TransactionClientAsync()
        {
            for (var attempt = 0; attempt < 12; attempt++)
            {
                if (await LoadAsync("a") is not { } a || await LoadAsync("b") is not { } b)
                {
                    continue;
                }

                var (idA, idB) = (CommitsCatalog.NextSnapshotId(), CommitsCatalog.NextSnapshotId());
                var (ra, ua) = CommitsCatalog.AppendParts(a, idA);
                var (rb, ub) = CommitsCatalog.AppendParts(b, idB);
                var reply = await catalog.TransactionAsync(CommitsCatalog.TransactionBody(("load", "a", ra, ua), ("load", "b", rb, ub)));
                statuses.Add(reply.Status);
                pairs.Add((idA, idB, reply.Status));
                if (reply.Status is not (204 or 409))
                {
                    Check503(reply);
                }
            }
        }

        // Creates and drops of other tables: expected outcomes or 503, never 500.
        async Task CreateDropClientAsync()
        {
            for (var i = 0; i < 10; i++)
            {
                var create = await catalog.CreateTableAsync("load", "x" + i);
                if (create.Status is not (200 or 409))
                {
                    Check503(create);
                }

                var drop = await catalog.DropTableAsync("load", "x" + i, purge: i % 2 == 0);
                if (drop.Status is not (204 or 404))
                {
                    Check503(drop);
                }
            }
        }

        var killer = Task.Run(KillerAsync);
        await Task.WhenAll(tables.SelectMany(t => new[] { t, t }).Select(t => Task.Run(() => ClientAsync(t)))
            .Append(Task.Run(TransactionClientAsync)).Append(Task.Run(CreateDropClientAsync)));
        await stop.CancelAsync();
        await killer;
        foreach (var (idA, idB, status) in pairs)
        {
            switch (status)
            {
                case 204:
                    acknowledged[idA] = "a";
                    acknowledged[idB] = "b";
                    break;
                case not 409:
                    unknown[idA] = "a";
                    unknown[idB] = "b";
                    break;
            }
        }

        Assert.Empty(bad);
        Assert.True(terminated > 0, "the test should have cut some connections");
        Assert.Contains(200, statuses);
        Assert.Contains(503, statuses);

        foreach (var table in tables)
        {
            // After the cuts stop, a client that honours Retry-After gets the table.
            var final = await Eventually.ReturnsAsync(() => LoadAsync(table), TimeSpan.FromSeconds(30), $"table {table} to load");
            var chain = final.MainChain();
            var mine = acknowledged.Where(e => e.Value == table).Select(e => e.Key).ToHashSet();
            var maybe = unknown.Where(e => e.Value == table).Select(e => e.Key).ToHashSet();
            Assert.Subset(chain.ToHashSet(), mine);
            Assert.Subset(mine.Union(maybe).ToHashSet(), chain.ToHashSet());
            Assert.Equal(chain.Count, final.Snapshots.Count);
            Assert.Equal(chain.Count, final.MetadataLogLength);
            var folder = CommitsCatalog.PathOf(final.Metadata.GetProperty("location").GetString()!);
            var files = catalog.MetadataFiles(folder);
            Assert.Contains(CommitsCatalog.PathOf(final.MetadataLocation), files);
            Assert.All(final.Metadata.GetProperty("metadata-log").EnumerateArray(), e => Assert.Contains(CommitsCatalog.PathOf(e.GetProperty("metadata-file").GetString()!), files));
            Assert.InRange(files.Count, chain.Count + 1, chain.Count + 1 + maybe.Count);
        }

        var chainA = (await catalog.LoadOkAsync("load", "a")).MainChain();
        var chainB = (await catalog.LoadOkAsync("load", "b")).MainChain();
        Assert.All(pairs, p => Assert.Equal(chainA.Contains(p.A), chainB.Contains(p.B)));
    }

    [Fact]
    public async Task A_lost_COMMIT_answer_is_503_with_Retry_After_and_the_change_is_whole()
    {
        var postgres = await PostgresServer.SharedAsync();
        var direct = await postgres.CreateDatabaseAsync();
        await using var proxy = CommitsCutProxy.To(postgres.Port);
        var proxied = new NpgsqlConnectionStringBuilder(direct) { Port = proxy.Port }.ConnectionString;
        // No events relay in this process: its own COMMITs would pass the proxy and could be the one cut.
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = proxied, ["Log:Level"] = "Critical", ["Events:Relay"] = "false",
        });
        var prefix = await app.CreateWarehouseAsync();
        var catalog = new CommitsCatalog(app.Client, prefix, Path.Combine(app.WarehouseRoot, "demo"), direct);
        var created = await catalog.CreateTableOkAsync("ns", "t");

        static void AssertUnknown(Reply reply)
        {
            Assert.Equal(503, reply.Status);
            Assert.Equal("CommitStateUnknownException", reply.ErrorType);
            Assert.NotNull(reply.Headers.RetryAfter);
        }

        // updateTable: the commit landed, its file is kept, and a retry with the key replays it.
        var id = CommitsCatalog.NextSnapshotId();
        var key = Guid.CreateVersion7().ToString();
        var body = CommitsCatalog.AppendBody(created, id);
        proxy.CutNextCommit();
        var lost = await catalog.CommitAsync("ns", "t", body, key);
        Assert.Equal(1, proxy.Cuts);
        AssertUnknown(lost);
        var landed = await catalog.LoadOkAsync("ns", "t");
        Assert.Equal([id], landed.MainChain());
        Assert.True(File.Exists(CommitsCatalog.PathOf(landed.MetadataLocation)));
        var retried = await catalog.CommitAsync("ns", "t", body, key);
        Assert.Equal(200, retried.Status);
        Assert.Equal(landed.MetadataLocation, retried.Json.GetProperty("metadata-location").GetString());
        Assert.Single((await catalog.LoadOkAsync("ns", "t")).Snapshots);

        // createTable: the table exists with its version-0 file.
        proxy.CutNextCommit();
        AssertUnknown(await catalog.CreateTableAsync("ns", "u"));
        Assert.Equal(2, proxy.Cuts);
        var u = await catalog.LoadOkAsync("ns", "u");
        Assert.True(File.Exists(CommitsCatalog.PathOf(u.MetadataLocation)));

        // dropTable and createNamespace.
        proxy.CutNextCommit();
        AssertUnknown(await catalog.DropTableAsync("ns", "u", purge: false));
        Assert.Equal(404, (await catalog.LoadAsync("ns", "u")).Status);
        proxy.CutNextCommit();
        AssertUnknown(await catalog.CreateNamespaceAsync("other"));
        Assert.Equal(200, (await catalog.SendAsync(HttpMethod.Get, catalog.Url("namespaces/other"))).Status);
        Assert.Equal(4, proxy.Cuts);

        // replaceView: the same protocol as tables, so the same answer; the file is kept and a retry with the key replays.
        var view = await catalog.CreateViewAsync("ns", "v");
        Assert.Equal(200, view.Status);
        var viewUuid = view.Json.GetProperty("metadata").GetProperty("view-uuid").GetString()!;
        var viewKey = Guid.CreateVersion7().ToString();
        var replace = CommitsCatalog.SetViewPropertiesBody(viewUuid, new Dictionary<string, string> { ["changed"] = "yes" });
        proxy.CutNextCommit();
        AssertUnknown(await catalog.ReplaceViewAsync("ns", "v", replace, viewKey));
        Assert.Equal(5, proxy.Cuts);
        var reloaded = await catalog.LoadViewOkAsync("ns", "v");
        Assert.Equal("yes", reloaded.Properties["changed"]);
        Assert.True(File.Exists(CommitsCatalog.PathOf(reloaded.MetadataLocation)));
        var replayed = await catalog.ReplaceViewAsync("ns", "v", replace, viewKey);
        Assert.Equal(200, replayed.Status);
        Assert.Equal(reloaded.MetadataLocation, replayed.Json.GetProperty("metadata-location").GetString());
        Assert.Equal(reloaded.MetadataLocation, (await catalog.LoadViewOkAsync("ns", "v")).MetadataLocation);
        Assert.Equal(1L, await catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateView'"));
    }
}
