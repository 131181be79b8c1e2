using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

public sealed record MetricsReport(Guid ReportId, TabularId TabularId, string ReportType, string ReportJson, DateTimeOffset ReceivedAt);

/// <summary>Scan and commit reports engines send; stored so they can be queried later.</summary>
public sealed class MetricsRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Stores a report and deletes the table's oldest beyond <paramref name="keep"/> (retention).</summary>
    public async Task AddAsync(WarehouseId warehouse, TabularId table, string reportType, string reportJson, int keep, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            WITH added AS (
                INSERT INTO table_metrics_report (report_id, warehouse_id, tabular_id, report_type, report) VALUES ($1, $2, $3, $4, $5))
            DELETE FROM table_metrics_report WHERE report_id IN (
                SELECT report_id FROM table_metrics_report WHERE warehouse_id = $2 AND tabular_id = $3
                ORDER BY received_at DESC, report_id DESC OFFSET $6)
            """,
            Guid.CreateVersion7(), warehouse.Value, table.Value, reportType, new Json(reportJson), Math.Max(0, keep - 1));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<MetricsReport>> ListAsync(WarehouseId warehouse, TabularId table, int limit, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT report_id, tabular_id, report_type, report::text, received_at FROM table_metrics_report WHERE warehouse_id = $1 AND tabular_id = $2 ORDER BY received_at DESC, report_id DESC LIMIT $3",
            warehouse.Value, table.Value, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<MetricsReport>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new MetricsReport(reader.GetGuid(0), new TabularId(reader.GetGuid(1)), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return list;
    }
}
