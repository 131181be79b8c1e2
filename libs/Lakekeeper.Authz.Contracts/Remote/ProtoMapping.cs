namespace Lakekeeper.Authz.Remote;

/// <summary>
/// Between the API records and the wire messages (protos/authz.proto); the only code that knows both,
/// shared by the gRPC client here and the gRPC service in <c>services/authz</c>.
/// </summary>
public static class ProtoMapping
{
    public static V1.Principal ToProto(Principal principal) => new()
    {
        UserId = principal.UserId ?? string.Empty,
        AssumedRoleId = principal.AssumedRoleId ?? string.Empty,
    };

    public static Principal FromProto(V1.Principal? principal) => principal is null
        ? Principal.Anonymous
        : new Principal(NullIfEmpty(principal.UserId), NullIfEmpty(principal.AssumedRoleId));

    public static V1.ObjectRef ToProto(AuthzObject target) => new() { Type = target.Type ?? string.Empty, Id = target.Id ?? string.Empty };

    public static AuthzObject FromProto(V1.ObjectRef? target, string field) => target is null
        ? throw new AuthzArgumentException($"{field} is required.")
        : new AuthzObject(target.Type, target.Id);

    public static V1.Subject ToProto(AuthzSubject subject) => new()
    {
        Type = subject.Type ?? string.Empty,
        Id = subject.Id ?? string.Empty,
        Relation = subject.Relation ?? string.Empty,
    };

    public static AuthzSubject FromProto(V1.Subject? subject, string field) => subject is null
        ? throw new AuthzArgumentException($"{field} is required.")
        : new AuthzSubject(subject.Type, subject.Id, NullIfEmpty(subject.Relation));

    public static V1.Relationship ToProto(Relationship relationship) => new()
    {
        Subject = ToProto(relationship.Subject),
        Relation = relationship.Relation ?? string.Empty,
        Object = ToProto(relationship.Object),
    };

    public static Relationship FromProto(V1.Relationship relationship, string field) => new(
        FromProto(relationship.Subject, field + ".subject"),
        relationship.Relation,
        FromProto(relationship.Object, field + ".object"));

    public static List<Relationship> FromProto(IReadOnlyList<V1.Relationship> relationships)
    {
        var result = new List<Relationship>(relationships.Count);
        for (var i = 0; i < relationships.Count; i++)
        {
            result.Add(FromProto(relationships[i], $"relationships[{i}]"));
        }

        return result;
    }

    public static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
