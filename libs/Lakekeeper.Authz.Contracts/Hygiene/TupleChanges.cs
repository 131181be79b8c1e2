using Lakekeeper.Persistence.Catalog;

namespace Lakekeeper.Authz.Hygiene;

/// <summary>
/// The tuples a catalog or management change brings with it (ownership, hierarchy, cleanup), collected
/// for the authz outbox and applied after the change commits: deletes, then purges (every tuple on an
/// object), then writes.
/// </summary>
public sealed class TupleChanges
{
    private readonly List<Relationship> _writes = [];
    private readonly List<Relationship> _deletes = [];
    private readonly List<AuthzObject> _purges = [];

    public IReadOnlyList<Relationship> Writes => _writes;

    public IReadOnlyList<Relationship> Deletes => _deletes;

    public IReadOnlyList<AuthzObject> Purges => _purges;

    public bool IsEmpty => _writes.Count == 0 && _deletes.Count == 0 && _purges.Count == 0;

    public TupleChanges Write(IEnumerable<Relationship> relationships)
    {
        _writes.AddRange(relationships);
        return this;
    }

    public TupleChanges Delete(IEnumerable<Relationship> relationships)
    {
        _deletes.AddRange(relationships);
        return this;
    }

    /// <summary>Every tuple whose object is <paramref name="target"/> goes (grants, ownership, its links to parent and children).</summary>
    public TupleChanges Purge(AuthzObject target)
    {
        _purges.Add(target);
        return this;
    }

    /// <summary><paramref name="owner"/> owns <paramref name="target"/>; nothing for the anonymous caller.</summary>
    public TupleChanges Own(AuthzObject target, Principal owner, string relation = Relations.Ownership)
    {
        if (AuthzHierarchy.Subject(owner) is { } subject)
        {
            _writes.Add(new Relationship(subject, relation, target));
        }

        return this;
    }

    public AuthzTupleChanges ToRows() => new(
        [.. _writes.Select(ToRow)], [.. _deletes.Select(ToRow)], [.. _purges.Select(static o => new ObjectRow(o.Type, o.Id))]);

    internal static Relationship FromRow(TupleRow row) =>
        new(new AuthzSubject(row.SubjectType, row.SubjectId, row.SubjectRelation), row.Relation, new AuthzObject(row.ObjectType, row.ObjectId));

    private static TupleRow ToRow(Relationship r) =>
        new(r.Object.Type, r.Object.Id, r.Relation, r.Subject.Type, r.Subject.Id, string.IsNullOrEmpty(r.Subject.Relation) ? null : r.Subject.Relation);
}

/// <summary>
/// The hierarchy tuples of Lakekeeper's model: a child names its parent and the parent names the child,
/// so privileges flow down and visibility can be asked downward (docs/authz.md, the permission model).
/// </summary>
public static class AuthzHierarchy
{
    public const string ServerId = "lakekeeper";

    /// <summary>Both tuples that link <paramref name="child"/> below <paramref name="parent"/>.</summary>
    public static IReadOnlyList<Relationship> Link(AuthzObject child, AuthzObject parent)
    {
        var (up, down) = (child.Type, parent.Type) switch
        {
            (ObjectTypes.Project, ObjectTypes.Server) => ("server", "project"),
            (ObjectTypes.Warehouse, ObjectTypes.Project) => ("project", "warehouse"),
            (ObjectTypes.Namespace, ObjectTypes.Warehouse) => ("parent", "namespace"),
            (ObjectTypes.Namespace, ObjectTypes.Namespace) => ("parent", "child"),
            (ObjectTypes.Table or ObjectTypes.View, ObjectTypes.Namespace) => ("parent", "child"),
            _ => throw new ArgumentException($"{child.Type} is not a child of {parent.Type} in the model", nameof(parent)),
        };
        return [new Relationship(AuthzSubject.Of(parent), up, child), new Relationship(AuthzSubject.Of(child), down, parent)];
    }

    /// <summary>Who a principal is in tuples: the user, or the assignees of the role it assumed; null when anonymous.</summary>
    public static AuthzSubject? Subject(Principal principal) =>
        principal.IsAnonymous ? null
        : string.IsNullOrEmpty(principal.AssumedRoleId) ? AuthzSubject.User(principal.UserId!)
        : AuthzSubject.RoleAssignees(principal.AssumedRoleId);
}
