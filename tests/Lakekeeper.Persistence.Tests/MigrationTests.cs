using Lakekeeper.Persistence.Schema;
using Lakekeeper.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Lakekeeper.Persistence.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_applies_every_embedded_migration_and_records_it()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateEmptyDatabaseAsync());
        var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);

        Assert.Equal(new SchemaStatus(0, EmbeddedMigrations.LatestVersion), await migrator.GetStatusAsync(CancellationToken.None));
        var applied = await migrator.MigrateAsync(CancellationToken.None);

        Assert.Equal(EmbeddedMigrations.List.Select(m => m.Version), applied.Select(m => m.Version));
        var status = await migrator.GetStatusAsync(CancellationToken.None);
        Assert.True(status.IsCurrent);
        Assert.Equal(EmbeddedMigrations.LatestVersion, status.CurrentVersion);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM lakekeeper_schema_version");
        Assert.Equal((long)EmbeddedMigrations.List.Count, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Second_run_finds_nothing_to_do()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateEmptyDatabaseAsync());
        var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);

        Assert.Empty(await migrator.MigrateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_runs_are_serialised_by_the_advisory_lock()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateEmptyDatabaseAsync();
        var runs = Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            return await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        }).ToList();

        var results = await Task.WhenAll(runs);

        // Exactly one run applied everything; the others waited for the lock and found the schema current.
        Assert.Single(results, r => r.Count == EmbeddedMigrations.List.Count);
        Assert.Equal(3, results.Count(r => r.Count == 0));
    }

    [Fact]
    public async Task A_changed_applied_migration_is_refused()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await using (var tamper = dataSource.CreateCommand("UPDATE lakekeeper_schema_version SET checksum = 'x' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None));
        Assert.Contains("Applied migrations must never change", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Embedded_migrations_are_numbered_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, EmbeddedMigrations.List.Count), EmbeddedMigrations.List.Select(m => m.Version));
        Assert.All(EmbeddedMigrations.List, m => Assert.False(string.IsNullOrWhiteSpace(m.Sql)));
    }
}
