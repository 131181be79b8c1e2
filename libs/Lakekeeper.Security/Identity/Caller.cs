using Lakekeeper.Persistence.Identity;

namespace Lakekeeper.Security.Identity;

/// <summary>Who a request acts as, for audit lines and events (Lakekeeper's actor types).</summary>
public enum ActorType
{
    Anonymous,
    Principal,
    AssumedRole,
}

/// <summary>
/// The caller of a request, as modules see it: anonymous (no identity provider configured), a user
/// (<c>&lt;provider-id&gt;~&lt;subject&gt;</c>), or a user acting as one of its roles
/// (<c>x-assume-role</c>). Read it through <see cref="ICallerAccessor"/>.
/// </summary>
public sealed record Caller(UserId? UserId, RoleId? AssumedRole, string? Name, string? Email, UserType UserType, bool IsInstanceAdmin)
{
    public static Caller Anonymous { get; } = new(null, null, null, null, UserType.Human, false);

    public bool IsAnonymous => UserId is null;

    public ActorType Actor => UserId is null ? ActorType.Anonymous : AssumedRole is null ? ActorType.Principal : ActorType.AssumedRole;

    /// <summary>Lakekeeper's actor name: <c>anonymous</c>, <c>principal</c> or <c>assumed-role</c>.</summary>
    public string ActorName => Actor switch
    {
        ActorType.Anonymous => "anonymous",
        ActorType.Principal => "principal",
        _ => "assumed-role",
    };

    public override string ToString() => Actor switch
    {
        ActorType.Anonymous => "anonymous",
        ActorType.Principal => "user:" + UserId,
        _ => $"user:{UserId} as role:{AssumedRole}",
    };
}

/// <summary>The caller of the current request (anonymous outside a request or before it was resolved).</summary>
public interface ICallerAccessor
{
    Caller Current { get; }
}
