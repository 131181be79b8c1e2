namespace Lakekeeper.Authz;

/// <summary>Object types of the authorization model (the names of Lakekeeper's OpenFGA model).</summary>
public static class ObjectTypes
{
    public const string Server = "server";
    public const string Project = "project";
    public const string Warehouse = "warehouse";
    public const string Namespace = "namespace";
    public const string Table = "lakekeeper_table";
    public const string View = "lakekeeper_view";
    public const string Role = "role";
    public const string User = "user";

    public static IReadOnlyList<string> All { get; } = [Server, Project, Warehouse, Namespace, Table, View, Role, User];

    public static bool IsKnown(string type) => All.Contains(type, StringComparer.Ordinal);
}

/// <summary>Relation names used across modules: roles, privileges and the actions the APIs check.</summary>
public static class Relations
{
    // Roles and privileges (assignable).
    public const string Ownership = "ownership";
    public const string Assignee = "assignee";
    public const string Describe = "describe";
    public const string Select = "select";
    public const string Create = "create";
    public const string Modify = "modify";
    public const string PassGrants = "pass_grants";
    public const string ManageGrants = "manage_grants";

    // Actions (checked, never written).
    public const string CanCreateProject = "can_create_project";
    public const string CanCreateWarehouse = "can_create_warehouse";
    public const string CanListWarehouses = "can_list_warehouses";
    public const string CanCreateNamespace = "can_create_namespace";
    public const string CanListNamespaces = "can_list_namespaces";
    public const string CanCreateTable = "can_create_table";
    public const string CanListTables = "can_list_tables";
    public const string CanCreateView = "can_create_view";
    public const string CanListViews = "can_list_views";
    public const string CanListEverything = "can_list_everything";
    public const string CanGetMetadata = "can_get_metadata";
    public const string CanGetConfig = "can_get_config";
    public const string CanUse = "can_use";
    public const string CanIncludeInList = "can_include_in_list";
    public const string CanUpdateProperties = "can_update_properties";
    public const string CanCommit = "can_commit";
    public const string CanReadData = "can_read_data";
    public const string CanWriteData = "can_write_data";
    public const string CanDrop = "can_drop";
    public const string CanUndrop = "can_undrop";
    public const string CanRename = "can_rename";
    public const string CanDelete = "can_delete";
}

/// <summary>An object of the model, written <c>type:id</c>, e.g. <c>warehouse:0191…</c>.</summary>
public readonly record struct AuthzObject(string Type, string Id)
{
    public static AuthzObject Server(string id) => new(ObjectTypes.Server, id);

    public static AuthzObject Project(string id) => new(ObjectTypes.Project, id);

    public static AuthzObject Warehouse(string id) => new(ObjectTypes.Warehouse, id);

    public static AuthzObject Namespace(string id) => new(ObjectTypes.Namespace, id);

    public static AuthzObject Table(string id) => new(ObjectTypes.Table, id);

    public static AuthzObject View(string id) => new(ObjectTypes.View, id);

    public static AuthzObject Role(string id) => new(ObjectTypes.Role, id);

    public static AuthzObject User(string id) => new(ObjectTypes.User, id);

    public override string ToString() => Type + ":" + Id;
}

/// <summary>
/// Who a relationship is about: <c>user:alice</c>, <c>user:*</c> (every user), a userset such as
/// <c>role:r1#assignee</c> (every assignee of r1), or a parent object in hierarchy tuples.
/// </summary>
public readonly record struct AuthzSubject(string Type, string Id, string? Relation = null)
{
    public static AuthzSubject User(string userId) => new(ObjectTypes.User, userId);

    public static AuthzSubject AllUsers => new(ObjectTypes.User, "*");

    public static AuthzSubject RoleAssignees(string roleId) => new(ObjectTypes.Role, roleId, Relations.Assignee);

    public static AuthzSubject Of(AuthzObject parent) => new(parent.Type, parent.Id);

    public override string ToString() => string.IsNullOrEmpty(Relation) ? Type + ":" + Id : Type + ":" + Id + "#" + Relation;
}

/// <summary>
/// On whose behalf a decision is asked. Neither id: the anonymous caller. With
/// <see cref="AssumedRoleId"/>: the user acts through that role (if it may assume it). A role without a
/// user (<see cref="Role"/>): the role's assignees themselves — asked by management on behalf of a role
/// (Lakekeeper's <c>principalRole</c>), never built from a request's own identity.
/// </summary>
public readonly record struct Principal(string? UserId, string? AssumedRoleId = null)
{
    public static Principal Anonymous => default;

    /// <summary>The assignees of a role (<c>role:&lt;id&gt;#assignee</c>), with no user acting through it.</summary>
    public static Principal Role(string roleId) => new(null, roleId);

    public bool IsAnonymous => string.IsNullOrEmpty(UserId) && string.IsNullOrEmpty(AssumedRoleId);

    /// <summary>A role's assignees, not a user (see <see cref="Role"/>).</summary>
    public bool IsRole => string.IsNullOrEmpty(UserId) && !string.IsNullOrEmpty(AssumedRoleId);

    public override string ToString() =>
        IsAnonymous ? "anonymous" : IsRole ? $"role:{AssumedRoleId}#assignee"
        : string.IsNullOrEmpty(AssumedRoleId) ? "user:" + UserId : $"user:{UserId} as role:{AssumedRoleId}";
}

/// <summary>A tuple: <paramref name="Subject"/> has <paramref name="Relation"/> on <paramref name="Object"/>.</summary>
public sealed record Relationship(AuthzSubject Subject, string Relation, AuthzObject Object)
{
    public override string ToString() => $"{Object}#{Relation}@{Subject}";
}

/// <summary>One question of a batch check: the relation on the object.</summary>
public readonly record struct CheckItem(AuthzObject Object, string Relation);

/// <summary>Which stored tuples to read: those on <paramref name="Object"/>, optionally filtered.</summary>
public sealed record RelationshipQuery(
    AuthzObject Object,
    string? Relation = null,
    AuthzSubject? Subject = null,
    int PageSize = 0,
    string? PageToken = null);

/// <summary>A page of stored tuples; <paramref name="NextPageToken"/> is null on the last page.</summary>
public sealed record RelationshipPage(IReadOnlyList<Relationship> Relationships, string? NextPageToken)
{
    public static RelationshipPage Empty { get; } = new([], null);
}

/// <summary>
/// The answer of <see cref="IAuthorizer.ListObjectsAsync"/>: either every object of the type
/// (<see cref="Unrestricted"/>, nothing enumerated) or the ids the principal may access.
/// </summary>
public sealed class ObjectList
{
    private readonly HashSet<string> _ids;

    private ObjectList(bool unrestricted, HashSet<string> ids)
    {
        Unrestricted = unrestricted;
        _ids = ids;
    }

    /// <summary>The principal may access every object of the type.</summary>
    public static ObjectList All { get; } = new(true, []);

    public bool Unrestricted { get; }

    /// <summary>The ids when not <see cref="Unrestricted"/>; empty otherwise.</summary>
    public IReadOnlyCollection<string> Ids => _ids;

    public static ObjectList Of(IEnumerable<string> ids) => new(false, new HashSet<string>(ids, StringComparer.Ordinal));

    /// <summary>Whether the object with this id is in the list: the filter callers apply to their own listing.</summary>
    public bool Contains(string id) => Unrestricted || _ids.Contains(id);
}
