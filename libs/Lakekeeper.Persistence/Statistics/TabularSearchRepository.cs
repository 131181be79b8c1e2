using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Statistics;

/// <summary>A table or view found by a search; <paramref name="Distance"/> is 0 for an exact id match.</summary>
public sealed record TabularSearchHit(TabularId Id, TabularType Type, IReadOnlyList<string> Namespace, string Name, float? Distance);

/// <summary>
/// <c>search-tabular</c>: nearest names first by trigram word distance (Postgres <c>pg_trgm</c>'s
/// <c>&lt;&lt;-&gt;</c>: how well the search matches the best part of <c>namespace.name</c>, so a
/// word of a long name is found as well as a misspelling of the whole), ties broken by the distance
/// to the whole name; served by a GiST index that also holds the warehouse id. A UUID finds the table
/// or view with that id, or the tables and views of the namespace with that id.
/// </summary>
public sealed class TabularSearchRepository(NpgsqlDataSource dataSource)
{
    public const int MaxResults = 10;

    public async Task<IReadOnlyList<TabularSearchHit>> SearchAsync(WarehouseId warehouse, string search, CancellationToken cancellationToken)
    {
        NpgsqlCommand command;
        if (Guid.TryParse(search, out var id))
        {
            command = Sql.Command(dataSource,
                """
                SELECT t.tabular_id, t.typ, n.name, t.name, 0::real FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id
                WHERE t.warehouse_id = $1 AND t.deleted_at IS NULL AND (t.tabular_id = $2 OR t.namespace_id = $2)
                ORDER BY t.tabular_id <> $2, t.name_key LIMIT $3
                """,
                warehouse.Value, id, MaxResults);
        }
        else
        {
            command = Sql.Command(dataSource,
                """
                SELECT t.tabular_id, t.typ, n.name, t.name, $2 <<-> t.search_name FROM (
                    SELECT tabular_id, typ, name, namespace_id, search_name FROM tabular
                    WHERE warehouse_id = $1 AND deleted_at IS NULL ORDER BY $2 <<-> search_name LIMIT $3) t
                JOIN namespace n ON n.namespace_id = t.namespace_id
                ORDER BY $2 <<-> t.search_name, t.search_name <-> $2, t.tabular_id
                """,
                warehouse.Value, search, MaxResults);
        }

        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var hits = new List<TabularSearchHit>();
            while (await reader.ReadAsync(cancellationToken))
            {
                hits.Add(new TabularSearchHit(
                    new TabularId(reader.GetGuid(0)), TabularRepository.ParseType(reader.GetString(1)),
                    reader.GetFieldValue<string[]>(2), reader.GetString(3), reader.GetFloat(4)));
            }

            return hits;
        }
    }
}
