using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Persistence.Statistics;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Persistence.Tests;

/// <summary>
/// What migration 0003 keeps with triggers, whoever writes: warehouse statistics (live tables and views
/// per hour, soft deletes included) and the search names of tables and views.
/// </summary>
public sealed class ManagementSchemaTests : IAsyncLifetime
{
    private NpgsqlDataSource _dataSource = null!;
    private WarehouseRepository _warehouses = null!;
    private WarehouseId _warehouse;
    private Guid _namespace;

    public async ValueTask InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        _dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        _warehouses = new WarehouseRepository(_dataSource);
        await ExecuteAsync("INSERT INTO project (project_id, name) VALUES ($1, 'p')", Guid.Empty);
        _warehouse = WarehouseId.New();
        var (outcome, _) = await _warehouses.CreateAsync(
            new NewWarehouse(_warehouse, ProjectId.Default, "w", """{"type":"file","root":"/w"}""", null, """{"type":"hard"}"""), CancellationToken.None);
        Assert.Equal(WarehouseCreateOutcome.Created, outcome);
        _namespace = Guid.CreateVersion7();
        await ExecuteAsync("INSERT INTO namespace (namespace_id, warehouse_id, name, name_key) VALUES ($1, $2, '{sales}', 'sales')", _namespace, _warehouse.Value);
    }

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var command = _dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<Guid> AddAsync(string name, string type)
    {
        var id = Guid.CreateVersion7();
        await ExecuteAsync(
            """
            INSERT INTO tabular (tabular_id, warehouse_id, namespace_id, name, name_key, typ, metadata_location, metadata, location, format_version)
            VALUES ($1, $2, $3, $4, lower($4), $5, 'file:///w/' || $4 || '/m.json', '\x7b7d', 'file:///w/' || $4, 2)
            """,
            id, _warehouse.Value, _namespace, name, type);
        return id;
    }

    private async Task<(long Tables, long Views)> CountsAsync()
    {
        var latest = (await _warehouses.StatisticsAsync(_warehouse, null, 1, CancellationToken.None)).Single();
        Assert.True(latest.Timestamp > DateTimeOffset.UtcNow && latest.Timestamp <= DateTimeOffset.UtcNow.AddHours(1));
        return (latest.NumberOfTables, latest.NumberOfViews);
    }

    [Fact]
    public async Task Statistics_follow_inserts_soft_deletes_undrops_and_deletes()
    {
        Assert.Equal((0, 0), await CountsAsync());
        var table = await AddAsync("orders", "table");
        await AddAsync("customers", "table");
        var view = await AddAsync("big_orders", "view");
        Assert.Equal((2, 1), await CountsAsync());

        await ExecuteAsync("UPDATE tabular SET deleted_at = now() WHERE tabular_id = $1", table);
        Assert.Equal((1, 1), await CountsAsync());
        await ExecuteAsync("UPDATE tabular SET deleted_at = now() WHERE tabular_id = $1", table);
        Assert.Equal((1, 1), await CountsAsync());
        await ExecuteAsync("UPDATE tabular SET deleted_at = NULL WHERE tabular_id = $1", table);
        Assert.Equal((2, 1), await CountsAsync());

        await ExecuteAsync("DELETE FROM tabular WHERE tabular_id = $1", view);
        Assert.Equal((2, 0), await CountsAsync());
    }

    [Fact]
    public async Task Statistics_count_every_row_of_a_bulk_statement_once()
    {
        await AddAsync("kept", "table");
        // One statement inserting three tables and two views, one already soft-deleted.
        await ExecuteAsync(
            """
            INSERT INTO tabular (tabular_id, warehouse_id, namespace_id, name, name_key, typ, metadata_location, metadata, location, format_version, deleted_at)
            SELECT gen_random_uuid(), $1, $2, 'bulk' || i, 'bulk' || i, CASE WHEN i <= 3 THEN 'table' ELSE 'view' END,
                   'file:///w/bulk' || i || '/m.json', '\x7b7d', 'file:///w/bulk' || i, 2, CASE WHEN i = 6 THEN now() END
            FROM generate_series(1, 6) i
            """,
            _warehouse.Value, _namespace);
        Assert.Equal((4, 2), await CountsAsync());

        // One statement soft-deleting two rows, then one deleting all bulk rows (live and soft-deleted).
        await ExecuteAsync("UPDATE tabular SET deleted_at = now() WHERE name IN ('bulk1', 'bulk4')");
        Assert.Equal((3, 1), await CountsAsync());
        await ExecuteAsync("DELETE FROM tabular WHERE name LIKE 'bulk%'");
        Assert.Equal((1, 0), await CountsAsync());
    }

    [Fact]
    public async Task Search_finds_a_word_of_a_long_name_before_a_partial_match_of_a_short_one()
    {
        await AddAsync("voices", "table");
        await AddAsync("monthly_invoices_2024_archive", "table");
        var hits = await new TabularSearchRepository(_dataSource).SearchAsync(_warehouse, "invoices", CancellationToken.None);
        Assert.Equal("monthly_invoices_2024_archive", hits[0].Name);
    }

    [Fact]
    public async Task Search_names_follow_renames_and_namespace_changes()
    {
        var id = await AddAsync("orders", "table");
        var search = new TabularSearchRepository(_dataSource);
        Assert.Equal("orders", (await search.SearchAsync(_warehouse, "sales.orders", CancellationToken.None))[0].Name);

        await ExecuteAsync("UPDATE tabular SET name = 'invoices', name_key = 'invoices' WHERE tabular_id = $1", id);
        await ExecuteAsync("UPDATE namespace SET name = '{finance}', name_key = 'finance' WHERE namespace_id = $1", _namespace);
        var hit = (await search.SearchAsync(_warehouse, "finance.invoices", CancellationToken.None))[0];
        Assert.Equal("invoices", hit.Name);
        Assert.Equal(["finance"], hit.Namespace);
        Assert.Equal(0f, hit.Distance);

        await ExecuteAsync("UPDATE tabular SET deleted_at = now() WHERE tabular_id = $1", id);
        Assert.Empty(await search.SearchAsync(_warehouse, "finance.invoices", CancellationToken.None));
    }

    [Fact]
    public async Task A_forced_warehouse_delete_removes_nested_namespaces_tables_and_statistics()
    {
        var child = Guid.CreateVersion7();
        await ExecuteAsync("INSERT INTO namespace (namespace_id, warehouse_id, parent_id, name, name_key) VALUES ($1, $2, $3, '{sales,eu}', $4)",
            child, _warehouse.Value, _namespace, "sales" + NameKey.LevelSeparator + "eu");
        await AddAsync("orders", "table");
        await ExecuteAsync("UPDATE warehouse SET protected = true WHERE warehouse_id = $1", _warehouse.Value);

        Assert.Equal(WarehouseDeleteOutcome.Protected, await _warehouses.DeleteAsync(_warehouse, force: false, CancellationToken.None));
        await ExecuteAsync("UPDATE warehouse SET protected = false WHERE warehouse_id = $1", _warehouse.Value);
        Assert.Equal(WarehouseDeleteOutcome.NotEmpty, await _warehouses.DeleteAsync(_warehouse, force: false, CancellationToken.None));
        Assert.Equal(WarehouseDeleteOutcome.Deleted, await _warehouses.DeleteAsync(_warehouse, force: true, CancellationToken.None));

        await using var command = _dataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM namespace) + (SELECT count(*) FROM tabular) + (SELECT count(*) FROM warehouse_statistics) + (SELECT count(*) FROM warehouse)");
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("250ms", 250)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:00:05", 5_000)]
    public void Flush_intervals_read_Lakekeepers_duration_format(string text, double milliseconds)
    {
        Assert.True(EndpointStatisticsOptions.TryParseDuration(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("forever")]
    [InlineData("10ms")]
    [InlineData("2h")]
    [InlineData("")]
    public void Bad_flush_intervals_name_the_variable(string text)
    {
        var options = new EndpointStatisticsOptions { FlushInterval = text };
        var problem = Assert.Single(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
        Assert.Contains("LAKEKEEPER__ENDPOINT_STAT_FLUSH_INTERVAL", problem.ErrorMessage, StringComparison.Ordinal);
    }
}
