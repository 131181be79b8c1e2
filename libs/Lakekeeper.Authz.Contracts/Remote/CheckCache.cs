using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;

namespace Lakekeeper.Authz.Remote;

/// <summary>
/// Reuses answers of <see cref="IAuthorizer.CheckAsync"/> for a short time, so that a request in the
/// microservices topology does not pay a gRPC round trip to the authz service for every check.
/// Only answers to read actions and to the data-plane write action are reused (<see cref="Cacheable"/>):
/// an action that changes the catalog (commit, drop, create, grant, …) is always asked, so a revoke stops
/// those as soon as the authz service has it. <c>can_write_data</c> is reused like a read: what it
/// grants is a SigV4 signature (valid at S3 for 15 minutes) or vended credentials (valid up to an
/// hour), so a revoke of data access is bounded by those lifetimes anyway, and a vended load would
/// otherwise pay a round trip to the authz service for every call. Relationship writes and deletes made
/// through this process clear it at once, change announcements of the authz store too
/// (<see cref="CheckCacheInvalidator"/>); without them, the time to live is the bound. Failures are never cached.
/// </summary>
internal sealed class CheckCache(IAuthorizer inner, TimeSpan timeToLive, int capacity = 100_000) : IAuthorizer
{
    private readonly ConcurrentDictionary<(Principal, AuthzObject, string), long> _answers = new();
    private readonly long _ttlTicks = (long)(timeToLive.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The actions whose answers may be reused for the time to live: reads, and the data-plane write.</summary>
    internal static readonly FrozenSet<string> Cacheable = FrozenSet.ToFrozenSet(
    [
        Relations.CanGetMetadata, Relations.CanGetConfig, Relations.CanUse, Relations.CanIncludeInList, Relations.CanListNamespaces,
        Relations.CanListTables, Relations.CanListViews, Relations.CanListEverything, Relations.CanReadData, Relations.CanWriteData, "can_select", "can_list_warehouses",
        "can_list_roles", "can_search_roles", "can_read", "can_read_assignments", "can_list_all_projects", "can_list_users",
    ], StringComparer.Ordinal);

    public async ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default)
    {
        if (!Cacheable.Contains(relation))
        {
            return await inner.CheckAsync(principal, target, relation, cancellationToken);
        }

        var key = (principal, target, relation);
        var now = Stopwatch.GetTimestamp();
        if (_answers.TryGetValue(key, out var entry) && Math.Abs(entry) > now)
        {
            return entry > 0;
        }

        var allowed = await inner.CheckAsync(principal, target, relation, cancellationToken);
        if (_answers.Count >= capacity)
        {
            _answers.Clear();
        }

        // One long holds both the expiry and the answer: positive = allowed, negative = denied.
        var expires = Stopwatch.GetTimestamp() + _ttlTicks;
        _answers[key] = allowed ? expires : -expires;
        return allowed;
    }

    /// <summary>Forgets every cached answer (a change was announced).</summary>
    public void Clear() => _answers.Clear();

    public ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default) =>
        inner.BatchCheckAsync(principal, items, cancellationToken);

    public ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default) =>
        inner.ListObjectsAsync(principal, objectType, relation, within, cancellationToken);

    public async ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        await inner.WriteRelationshipsAsync(relationships, cancellationToken);
        _answers.Clear();
    }

    public async ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        await inner.DeleteRelationshipsAsync(relationships, cancellationToken);
        _answers.Clear();
    }

    public ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default) =>
        inner.ReadRelationshipsAsync(query, cancellationToken);
}
