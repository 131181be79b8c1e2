namespace Lakekeeper.Authz.Engines;

/// <summary>
/// A backend that makes the decisions (<c>allowall</c> now; <c>builtin</c> and <c>openfga</c> later).
/// Arguments arrive validated by <see cref="LocalAuthorizer"/>. Listing must not cost one check
/// per object: return <see cref="ObjectList.All"/> or a set computed in one query.
/// </summary>
internal interface IAuthorizationEngine
{
    string Name { get; }

    ValueTask<bool> CheckAsync(Principal principal, CheckItem item, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken);

    ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within, CancellationToken cancellationToken);

    ValueTask WriteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken);

    ValueTask DeleteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken);

    ValueTask<RelationshipPage> ReadAsync(RelationshipQuery query, CancellationToken cancellationToken);
}
