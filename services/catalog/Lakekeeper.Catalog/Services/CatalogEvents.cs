using System.Text.Json;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;

namespace Lakekeeper.Catalog.Services;

/// <summary>The change events catalog mutations write to the outbox (in their own transaction).</summary>
internal static class CatalogEvents
{
    /// <summary>An event about a table or view: its identifier and the operation's data (JSON).</summary>
    public static OutboxEvent Tabular(WarehouseContext warehouse, TabularId tabular, string type, TableIdentifier id, string data) =>
        new(Guid.CreateVersion7(), warehouse.Id, type, tabular,
            JsonSerializer.Serialize(new { @namespace = id.Namespace, name = id.Name, data = JsonDocument.Parse(data).RootElement }));
}
