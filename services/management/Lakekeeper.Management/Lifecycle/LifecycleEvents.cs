using System.Text.Json;
using Lakekeeper.Events;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Identity;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Management.Lifecycle;

/// <summary>
/// The change events of the lifecycle changes made through the management API (undrop, namespace
/// move), built as the catalog builds its own (docs/events.md): a CloudEvent per changed object with
/// the request id and the caller of the current request, written to the outbox in the change's
/// transaction.
/// </summary>
internal sealed class LifecycleEvents(IHttpContextAccessor http, ICallerAccessor callers, TimeProvider time)
{
    private static readonly Uri Source = ChangeEventFormat.Source(Environment.MachineName);

    /// <summary>Lakekeeper's <c>undropTabulars</c>: one per undropped table or view, numbered within the request.</summary>
    public OutboxEvent Undropped(WarehouseId warehouse, DeletedTabular tabular, int sequenceNumber, int numEvents) =>
        Build(warehouse, tabular.Type == TabularType.View ? ChangeObjectType.View : ChangeObjectType.Table, tabular.Id.Value, "undropTabulars",
            tabular.Namespace, tabular.Name, data: null, sequenceNumber, numEvents);

    /// <summary><c>moveNamespace</c> (not in Lakekeeper): the namespace under its new name; the data names both.</summary>
    public OutboxEvent NamespaceMoved(WarehouseId warehouse, NamespaceId ns, IReadOnlyList<string> source, IReadOnlyList<string> destination) =>
        Build(warehouse, ChangeObjectType.Namespace, ns.Value, "moveNamespace", destination, name: null,
            JsonSerializer.SerializeToUtf8Bytes(new MoveData(source, destination), LifecycleJson.Default.MoveData), 0, 1);

    private OutboxEvent Build(
        WarehouseId warehouse, ChangeObjectType objectType, Guid objectId, string eventType, IReadOnlyList<string> levels, string? name,
        ReadOnlyMemory<byte>? data, int sequenceNumber, int numEvents)
    {
        var requestId = http.HttpContext?.TraceIdentifier;
        var caller = IdentityHttp.ToPrincipal(callers.Current);
        var actor = caller.IsAnonymous ? ChangeActor.Anonymous : new ChangeActor(caller.UserId, caller.AssumedRoleId);
        var change = new ChangeEvent(Guid.CreateVersion7(), time.GetUtcNow(), eventType, warehouse.Value, objectType, objectId, levels, name,
            requestId, actor, data, numEvents, sequenceNumber);
        return new OutboxEvent(change.Id, change.Time, warehouse, eventType, change.ObjectTypeName, objectId, change.FullName, requestId,
            ChangeEventFormat.ToJson(change, Source));
    }
}

/// <summary>The data of a <c>moveNamespace</c> event.</summary>
internal sealed record MoveData(IReadOnlyList<string> Source, IReadOnlyList<string> Destination);
