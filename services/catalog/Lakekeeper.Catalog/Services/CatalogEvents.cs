using Lakekeeper.Events;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Builds the change events that catalog mutations write to the outbox in their own transaction
/// (docs/events.md): a CloudEvent per changed object, with the request id and the caller of the
/// current request. The <c>data</c> is what Lakekeeper sends: the request of a create, commit or
/// rename; nothing for register and drop.
/// </summary>
internal sealed class CatalogEvents(IHttpContextAccessor http, AccessGuard access, TimeProvider time)
{
    private static readonly Uri Source = ChangeEventFormat.Source(Environment.MachineName);

    /// <summary>
    /// Who the events name as the actor: the caller of the current request (the authenticated user,
    /// and the role it assumed), or anonymous. The one place that maps the caller to the event's actor.
    /// </summary>
    private ChangeActor Actor =>
        access.Caller is { IsAnonymous: false } caller ? new ChangeActor(caller.UserId, caller.AssumedRoleId) : ChangeActor.Anonymous;

    /// <summary>An event about a table or view.</summary>
    /// <param name="sequenceNumber">Its position among the <paramref name="numEvents"/> events of one request (a multi-table commit).</param>
    public OutboxEvent Tabular(
        WarehouseContext warehouse, TabularId tabular, TabularType type, string eventType, TableIdentifier id, ReadOnlyMemory<byte>? data,
        int sequenceNumber = 0, int numEvents = 1) =>
        Build(warehouse, type == TabularType.Table ? ChangeObjectType.Table : ChangeObjectType.View, tabular.Value, eventType, id.Namespace, id.Name,
            data, sequenceNumber, numEvents);

    /// <summary>An event about a namespace.</summary>
    public OutboxEvent Namespace(WarehouseContext warehouse, NamespaceId ns, string eventType, IReadOnlyList<string> levels, ReadOnlyMemory<byte>? data) =>
        Build(warehouse, ChangeObjectType.Namespace, ns.Value, eventType, levels, null, data, 0, 1);

    private OutboxEvent Build(
        WarehouseContext warehouse, ChangeObjectType objectType, Guid objectId, string eventType, IReadOnlyList<string> levels, string? name,
        ReadOnlyMemory<byte>? data, int sequenceNumber, int numEvents)
    {
        var requestId = http.HttpContext?.TraceIdentifier;
        var change = new ChangeEvent(Guid.CreateVersion7(), time.GetUtcNow(), eventType, warehouse.Id.Value, objectType, objectId, levels, name,
            requestId, Actor, data is { Length: > 0 } ? data : null, numEvents, sequenceNumber);
        return new OutboxEvent(change.Id, change.Time, warehouse.Id, eventType, change.ObjectTypeName, objectId, change.FullName, requestId,
            ChangeEventFormat.ToJson(change, Source));
    }
}
