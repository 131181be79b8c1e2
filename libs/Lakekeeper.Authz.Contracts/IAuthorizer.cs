namespace Lakekeeper.Authz;

/// <summary>
/// Authorization decisions and relationship storage, used by the catalog, management and signer
/// modules. In the standalone topology it is the authz engine in process; in microservices a gRPC
/// client of the authz service (see <see cref="AuthzRegistration.AddAuthz"/>).
/// <para>
/// Failures: when the decision cannot be made (authz service unreachable, timed out or failing)
/// every method throws <see cref="AuthorizerUnavailableException"/>, which the error boundary turns
/// into 503. Invalid arguments throw <see cref="AuthzArgumentException"/> (400). A denied check is not a
/// failure: it returns false.
/// </para>
/// </summary>
public interface IAuthorizer
{
    /// <summary>Whether <paramref name="principal"/> holds <paramref name="relation"/> on <paramref name="target"/>.</summary>
    ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default);

    /// <summary>One answer per item, in order: the way to filter a list in one round trip.</summary>
    ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default);

    /// <summary>
    /// The objects of <paramref name="objectType"/> on which the principal holds <paramref name="relation"/>,
    /// or <see cref="ObjectList.All"/>. <paramref name="within"/> is a hint (a warehouse or namespace).
    /// </summary>
    ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default);

    /// <summary>Stores tuples; existing ones are kept.</summary>
    ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default);

    /// <summary>Removes tuples; missing ones are ignored.</summary>
    ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default);

    /// <summary>Reads stored tuples on one object, a page at a time.</summary>
    ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default);
}
