using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Statistics;

/// <summary>One counted combination: where, what, how it ended, in which hour (its end).</summary>
public readonly record struct EndpointCount(Guid? Project, Guid? Warehouse, string HttpRoute, int StatusCode, DateTimeOffset Hour, long Count);

/// <summary>A stored hourly count, with the warehouse's current name.</summary>
public sealed record EndpointStatisticRecord(
    DateTimeOffset Timestamp, string HttpRoute, int StatusCode, long Count, Guid? WarehouseId, string? WarehouseName,
    DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt);

/// <summary>Which warehouse's requests to read: all of the project, those of none, or one.</summary>
public readonly record struct WarehouseFilter(bool All, Guid? Warehouse)
{
    public static WarehouseFilter Every => new(true, null);

    public static WarehouseFilter Unmapped => new(false, null);

    public static WarehouseFilter Of(Guid id) => new(false, id);
}

/// <summary>Hourly request counts (<c>endpoint_statistics</c>).</summary>
public sealed class EndpointStatisticsRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Adds counts to their hourly rows in one statement. The project of a count that names an
    /// existing warehouse is the warehouse's; otherwise the one given, else <paramref name="defaultProject"/>.
    /// A warehouse that does not exist (a mistyped prefix) is recorded as none.
    /// </summary>
    public async Task AddAsync(IReadOnlyList<EndpointCount> counts, ProjectId defaultProject, CancellationToken cancellationToken)
    {
        if (counts.Count == 0)
        {
            return;
        }

        await using var command = Sql.Command(dataSource,
            """
            INSERT INTO endpoint_statistics AS e (project_id, warehouse_id, http_route, status_code, "timestamp", count)
            SELECT coalesce(w.project_id, r.project_id, $7), w.warehouse_id, r.route, r.status, r.hour, sum(r.count)
            FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::integer[], $5::timestamptz[], $6::bigint[]) AS r(project_id, warehouse_id, route, status, hour, count)
            LEFT JOIN warehouse w ON w.warehouse_id = r.warehouse_id
            GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT ON CONSTRAINT endpoint_statistics_key DO UPDATE SET count = e.count + excluded.count, updated_at = now()
            """,
            counts.Select(c => c.Project).ToArray(),
            counts.Select(c => c.Warehouse).ToArray(),
            counts.Select(c => c.HttpRoute).ToArray(),
            counts.Select(c => c.StatusCode).ToArray(),
            counts.Select(c => c.Hour).ToArray(),
            counts.Select(c => c.Count).ToArray(),
            defaultProject.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The project's hourly rows whose hour overlaps [<paramref name="start"/>, <paramref name="end"/>), oldest first.</summary>
    public async Task<IReadOnlyList<EndpointStatisticRecord>> ListAsync(
        ProjectId project, WarehouseFilter filter, IReadOnlyList<int>? statusCodes, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            SELECT e."timestamp", e.http_route, e.status_code, e.count, e.warehouse_id, w.name, e.created_at, e.updated_at
            FROM endpoint_statistics e LEFT JOIN warehouse w ON w.warehouse_id = e.warehouse_id
            WHERE e.project_id = $1 AND e."timestamp" > $2 AND e."timestamp" - interval '1 hour' < $3
              AND ($4 OR e.warehouse_id IS NOT DISTINCT FROM $5)
              AND ($6::integer[] IS NULL OR e.status_code = ANY ($6))
            ORDER BY e."timestamp", e.http_route, e.status_code, e.warehouse_id
            """,
            project.Value, start, end, filter.All, filter.Warehouse, statusCodes?.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<EndpointStatisticRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new EndpointStatisticRecord(
                reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return rows;
    }
}
