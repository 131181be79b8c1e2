using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lakekeeper.Authz.Remote;

/// <summary>
/// Reuses answers of <see cref="IAuthorizer.CheckAsync"/> for a short time, so that a request in the
/// microservices topology does not pay a gRPC round trip to the authz service for every check.
/// Relationship writes and deletes made through this process clear it at once; changes made
/// elsewhere are seen after at most the time to live. Failures are never cached.
/// </summary>
internal sealed class CheckCache(IAuthorizer inner, TimeSpan timeToLive, int capacity = 100_000) : IAuthorizer
{
    private readonly ConcurrentDictionary<(Principal, AuthzObject, string), long> _answers = new();
    private readonly long _ttlTicks = (long)(timeToLive.TotalSeconds * Stopwatch.Frequency);

    public async ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default)
    {
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
