using System.Collections.Concurrent;
using Lakekeeper.Catalog.Tests.Support;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// <c>POST /v1/{prefix}/transactions/commit</c>: every table commits or none does, also when the
/// transaction loses a race on one table after it swapped another, and no file of a failed
/// transaction is left behind.
/// </summary>
public sealed class TransactionTests(CommitsAppFixture fixture) : IClassFixture<CommitsAppFixture>
{
    private readonly CommitsCatalog _catalog = fixture.Catalog;

    private static string Folder(TableState state) => CommitsCatalog.PathOf(state.Metadata.GetProperty("location").GetString()!);

    private static string SetProperty(string key) =>
        $$$"""[{"action":"set-properties","updates":{"{{{key}}}":"x"}}]""";

    [Fact]
    public async Task When_the_second_table_requirement_fails_the_first_table_is_unchanged()
    {
        var a = await _catalog.CreateTableOkAsync("tx_fail", "a");
        var b = await _catalog.CreateTableOkAsync("tx_fail", "b");
        var filesBefore = _catalog.MetadataFiles();

        var reply = await _catalog.TransactionAsync(CommitsCatalog.TransactionBody(
            ("tx_fail", "a", $$"""[{"type":"assert-table-uuid","uuid":"{{a.Uuid}}"}]""", SetProperty("changed")),
            ("tx_fail", "b", """[{"type":"assert-current-schema-id","current-schema-id":7}]""", SetProperty("changed"))));

        Assert.Equal(409, reply.Status);
        Assert.Equal("CommitFailedException", reply.ErrorType);
        Assert.Equal("Requirement failed: current schema changed: expected id 7 != 0", reply.ErrorMessage);
        Assert.Equal(a.MetadataLocation, (await _catalog.LoadOkAsync("tx_fail", "a")).MetadataLocation);
        Assert.Equal(b.MetadataLocation, (await _catalog.LoadOkAsync("tx_fail", "b")).MetadataLocation);
        Assert.Equal(filesBefore, _catalog.MetadataFiles());
        Assert.Equal(0L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable' AND object_id IN ($1::uuid, $2::uuid)", a.Uuid, b.Uuid));
    }

    [Fact]
    public async Task A_missing_table_is_404_and_nothing_changes()
    {
        var a = await _catalog.CreateTableOkAsync("tx_missing", "a");
        var filesBefore = _catalog.MetadataFiles();

        var reply = await _catalog.TransactionAsync(CommitsCatalog.TransactionBody(
            ("tx_missing", "a", "[]", SetProperty("changed")),
            ("tx_missing", "nope", "[]", SetProperty("changed"))));

        Assert.Equal(404, reply.Status);
        Assert.Equal("NoSuchTableException", reply.ErrorType);
        Assert.Equal("Table does not exist: tx_missing.nope", reply.ErrorMessage);
        Assert.Equal(a.MetadataLocation, (await _catalog.LoadOkAsync("tx_missing", "a")).MetadataLocation);
        Assert.Equal(filesBefore, _catalog.MetadataFiles());
    }

    [Fact]
    public async Task A_transaction_naming_one_table_twice_is_400()
    {
        var a = await _catalog.CreateTableOkAsync("tx_twice", "a");

        var reply = await _catalog.TransactionAsync(CommitsCatalog.TransactionBody(
            ("tx_twice", "a", "[]", SetProperty("one")),
            ("tx_twice", "A", "[]", SetProperty("two"))));

        Assert.Equal(400, reply.Status);
        Assert.Equal(a.MetadataLocation, (await _catalog.LoadOkAsync("tx_twice", "a")).MetadataLocation);
    }

    [Fact]
    public async Task A_transaction_with_assert_create_or_no_changes_is_400_and_changes_nothing()
    {
        var a = await _catalog.CreateTableOkAsync("tx_invalid", "a");

        var create = await _catalog.TransactionAsync(CommitsCatalog.TransactionBody(
            ("tx_invalid", "a", "[]", SetProperty("one")),
            ("tx_invalid", "new", """[{"type":"assert-create"}]""", "[]")));
        var empty = await _catalog.TransactionAsync("""{"table-changes":[]}""");

        Assert.Equal(400, create.Status);
        Assert.Equal(400, empty.Status);
        Assert.Equal(a.MetadataLocation, (await _catalog.LoadOkAsync("tx_invalid", "a")).MetadataLocation);
        Assert.Equal(404, (await _catalog.LoadAsync("tx_invalid", "new")).Status);
    }

    [Fact]
    public async Task A_transaction_that_loses_the_race_on_its_second_table_rolls_back_the_first()
    {
        var a = await _catalog.CreateTableOkAsync("tx_race", "a");
        var b = await _catalog.CreateTableOkAsync("tx_race", "b");
        var single = CommitsCatalog.NextSnapshotId();
        var txA = CommitsCatalog.NextSnapshotId();
        var txB = CommitsCatalog.NextSnapshotId();

        Task<Reply> singleCommit, transaction;
        await using (await _catalog.LockTableRowAsync(b.Uuid))
        {
            // The single commit queues first on b's row; the transaction swaps a, then queues behind it.
            singleCommit = Task.Run(() => _catalog.CommitAsync("tx_race", "b", CommitsCatalog.AppendBody(b, single)));
            await _catalog.WaitForLockWaitersAsync(1);
            var (ra, ua) = CommitsCatalog.AppendParts(a, txA);
            var (rb, ub) = CommitsCatalog.AppendParts(b, txB);
            transaction = Task.Run(() => _catalog.TransactionAsync(CommitsCatalog.TransactionBody(("tx_race", "a", ra, ua), ("tx_race", "b", rb, ub))));
            await _catalog.WaitForLockWaitersAsync(2);
            Assert.Equal(2, _catalog.MetadataFiles(Folder(a)).Count);
            Assert.Equal(3, _catalog.MetadataFiles(Folder(b)).Count);
        }

        Assert.Equal(200, (await singleCommit).Status);
        var lost = await transaction;
        Assert.Equal(409, lost.Status);
        Assert.Equal("CommitFailedException", lost.ErrorType);

        var finalA = await _catalog.LoadOkAsync("tx_race", "a");
        var finalB = await _catalog.LoadOkAsync("tx_race", "b");
        Assert.Equal(a.MetadataLocation, finalA.MetadataLocation);
        Assert.Empty(finalA.Snapshots);
        Assert.Equal([single], finalB.MainChain());
        Assert.Single(_catalog.MetadataFiles(Folder(a)));
        Assert.Equal(2, _catalog.MetadataFiles(Folder(b)).Count);
        Assert.Equal(0L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable' AND object_id = $1::uuid", a.Uuid));
        Assert.Equal(1L, await _catalog.CountAsync("SELECT count(*) FROM event_outbox WHERE event_type = 'updateTable' AND object_id = $1::uuid", b.Uuid));
    }

    [Fact]
    public async Task Concurrent_transactions_and_single_commits_keep_every_transaction_whole()
    {
        const string ns = "tx_load";
        var initial = new Dictionary<string, TableState>
        {
            ["a"] = await _catalog.CreateTableOkAsync(ns, "a"),
            ["b"] = await _catalog.CreateTableOkAsync(ns, "b"),
        };
        var committedPairs = new ConcurrentBag<(long A, long B)>();
        var failedPairs = new ConcurrentBag<(long A, long B)>();
        var singles = new ConcurrentBag<(string Table, long Id)>();
        var unexpected = new ConcurrentBag<Reply>();

        async Task TransactionsAsync()
        {
            // Like a client: retry on 409 (bounded) until two transactions landed.
            var landed = 0;
            for (var attempt = 0; attempt < 40 && landed < 2; attempt++)
            {
                var a = await _catalog.LoadOkAsync(ns, "a");
                var b = await _catalog.LoadOkAsync(ns, "b");
                var pair = (A: CommitsCatalog.NextSnapshotId(), B: CommitsCatalog.NextSnapshotId());
                var (ra, ua) = CommitsCatalog.AppendParts(a, pair.A);
                var (rb, ub) = CommitsCatalog.AppendParts(b, pair.B);
                var reply = await _catalog.TransactionAsync(CommitsCatalog.TransactionBody((ns, "a", ra, ua), (ns, "b", rb, ub)));
                switch (reply.Status)
                {
                    case 204: committedPairs.Add(pair); landed++; break;
                    case 409: failedPairs.Add(pair); break;
                    default: unexpected.Add(reply); return;
                }
            }
        }

        async Task SinglesAsync(string table)
        {
            for (var i = 0; i < 4; i++)
            {
                var state = await _catalog.LoadOkAsync(ns, table);
                var id = CommitsCatalog.NextSnapshotId();
                var reply = await _catalog.CommitAsync(ns, table, CommitsCatalog.AppendBody(state, id));
                if (reply.Status == 200)
                {
                    singles.Add((table, id));
                }
                else if (reply.Status != 409)
                {
                    unexpected.Add(reply);
                    return;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Task.Run(i < 3 ? TransactionsAsync : () => SinglesAsync(i % 2 == 0 ? "a" : "b"))));

        Assert.Empty(unexpected);
        Assert.NotEmpty(committedPairs);
        var chainA = (await _catalog.LoadOkAsync(ns, "a")).MainChain();
        var chainB = (await _catalog.LoadOkAsync(ns, "b")).MainChain();
        Assert.All(committedPairs, p =>
        {
            Assert.Contains(p.A, chainA);
            Assert.Contains(p.B, chainB);
        });
        Assert.All(failedPairs, p =>
        {
            Assert.DoesNotContain(p.A, chainA);
            Assert.DoesNotContain(p.B, chainB);
        });
        Assert.Equal(committedPairs.Select(p => p.A).Concat(singles.Where(s => s.Table == "a").Select(s => s.Id)).Order(), chainA.Order());
        Assert.Equal(committedPairs.Select(p => p.B).Concat(singles.Where(s => s.Table == "b").Select(s => s.Id)).Order(), chainB.Order());
        foreach (var (name, state) in initial)
        {
            var final = await _catalog.LoadOkAsync(ns, name);
            Assert.Equal(final.MetadataLogLength + 1, _catalog.MetadataFiles(Folder(state)).Count);
        }
    }
}
