using Lakekeeper.Authz.Engines;

namespace Lakekeeper.Authz;

/// <summary>
/// <see cref="IAuthorizer"/> in process: validates arguments the same way for every caller (module
/// code, or the gRPC endpoints of the authz service), then asks the configured engine.
/// </summary>
internal sealed class LocalAuthorizer(IAuthorizationEngine engine) : IAuthorizer
{
    /// <summary>Most items one batch check may carry.</summary>
    public const int MaxBatchItems = 10_000;

    /// <summary>Most relationships one write or delete may carry.</summary>
    public const int MaxRelationshipsPerWrite = 1_000;

    private const int MaxIdLength = 512;
    private const int MaxNameLength = 128;

    public string Backend => engine.Name;

    public ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default)
    {
        ValidatePrincipal(principal);
        ValidateObject(target, "object");
        ValidateRelation(relation, "relation", required: true);
        return engine.CheckAsync(principal, new CheckItem(target, relation), cancellationToken);
    }

    public ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default)
    {
        ValidatePrincipal(principal);
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count > MaxBatchItems)
        {
            throw new AuthzArgumentException($"A batch check may carry at most {MaxBatchItems} items, not {items.Count}.");
        }

        if (items.Count == 0)
        {
            return new ValueTask<IReadOnlyList<bool>>(Array.Empty<bool>());
        }

        for (var i = 0; i < items.Count; i++)
        {
            ValidateObject(items[i].Object, $"items[{i}].object");
            ValidateRelation(items[i].Relation, $"items[{i}].relation", required: true);
        }

        return engine.BatchCheckAsync(principal, items, cancellationToken);
    }

    public ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default)
    {
        ValidatePrincipal(principal);
        ValidateType(objectType, "object_type");
        ValidateRelation(relation, "relation", required: true);
        if (within is { } container)
        {
            ValidateObject(container, "within");
        }

        return engine.ListObjectsAsync(principal, objectType, relation, within, cancellationToken);
    }

    public ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        ValidateRelationships(relationships);
        return relationships.Count == 0 ? ValueTask.CompletedTask : engine.WriteAsync(relationships, cancellationToken);
    }

    public ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        ValidateRelationships(relationships);
        return relationships.Count == 0 ? ValueTask.CompletedTask : engine.DeleteAsync(relationships, cancellationToken);
    }

    public ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ValidateObject(query.Object, "object");
        ValidateRelation(query.Relation, "relation", required: false);
        if (query.Subject is { } subject)
        {
            ValidateSubject(subject, "subject");
        }

        if (query.PageSize is < 0 or > 1000)
        {
            throw new AuthzArgumentException("page_size must be between 0 (default) and 1000.");
        }

        return engine.ReadAsync(query, cancellationToken);
    }

    private static void ValidateRelationships(IReadOnlyList<Relationship> relationships)
    {
        ArgumentNullException.ThrowIfNull(relationships);
        if (relationships.Count > MaxRelationshipsPerWrite)
        {
            throw new AuthzArgumentException(
                $"At most {MaxRelationshipsPerWrite} relationships per call, not {relationships.Count}.");
        }

        for (var i = 0; i < relationships.Count; i++)
        {
            var relationship = relationships[i] ?? throw new AuthzArgumentException($"relationships[{i}] is missing.");
            ValidateSubject(relationship.Subject, $"relationships[{i}].subject");
            ValidateRelation(relationship.Relation, $"relationships[{i}].relation", required: true);
            ValidateObject(relationship.Object, $"relationships[{i}].object");
        }
    }

    private static void ValidatePrincipal(Principal principal)
    {
        if (principal.UserId is { } user)
        {
            ValidateId(user, "principal.user_id", allowWildcard: false, required: false);
        }

        if (principal.AssumedRoleId is { Length: > 0 } role)
        {
            // Without a user id: the role's assignees themselves (Principal.Role).
            ValidateId(role, "principal.assumed_role_id", allowWildcard: false, required: true);
        }
    }

    private static void ValidateObject(AuthzObject target, string field)
    {
        ValidateType(target.Type, field + ".type");
        ValidateId(target.Id, field + ".id", allowWildcard: false, required: true);
    }

    private static void ValidateSubject(AuthzSubject subject, string field)
    {
        ValidateType(subject.Type, field + ".type");
        ValidateId(subject.Id, field + ".id", allowWildcard: subject.Type == ObjectTypes.User && string.IsNullOrEmpty(subject.Relation), required: true);
        ValidateRelation(subject.Relation, field + ".relation", required: false);
    }

    private static void ValidateType(string? type, string field)
    {
        if (string.IsNullOrEmpty(type) || !ObjectTypes.IsKnown(type))
        {
            throw new AuthzArgumentException($"{field} '{type}' is not one of: {string.Join(", ", ObjectTypes.All)}.");
        }
    }

    private static void ValidateRelation(string? relation, string field, bool required)
    {
        if (string.IsNullOrEmpty(relation))
        {
            if (required)
            {
                throw new AuthzArgumentException($"{field} is required.");
            }

            return;
        }

        if (relation.Length > MaxNameLength)
        {
            throw new AuthzArgumentException($"{field} is longer than {MaxNameLength} characters.");
        }

        foreach (var c in relation)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                throw new AuthzArgumentException($"{field} '{relation}' may contain only a-z, 0-9 and _.");
            }
        }
    }

    private static void ValidateId(string? id, string field, bool allowWildcard, bool required)
    {
        if (string.IsNullOrEmpty(id))
        {
            if (required)
            {
                throw new AuthzArgumentException($"{field} is required.");
            }

            return;
        }

        if (id.Length > MaxIdLength)
        {
            throw new AuthzArgumentException($"{field} is longer than {MaxIdLength} characters.");
        }

        if (id == "*" && !allowWildcard)
        {
            throw new AuthzArgumentException($"{field} may not be '*' here.");
        }

        foreach (var c in id)
        {
            // '#' separates a userset's relation (role:r1#assignee); whitespace has no place in ids.
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '#')
            {
                throw new AuthzArgumentException($"{field} '{id}' contains a character not allowed in ids.");
            }
        }
    }
}
