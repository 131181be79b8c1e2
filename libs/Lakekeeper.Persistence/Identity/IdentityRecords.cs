namespace Lakekeeper.Persistence.Identity;

/// <summary>
/// A user id: <c>&lt;provider-id&gt;~&lt;subject&gt;</c>, e.g. <c>oidc~3f1c…</c> for the primary OpenID
/// provider or <c>kubernetes~&lt;uid&gt;</c> (Lakekeeper's form).
/// </summary>
public readonly record struct UserId(string Value)
{
    public const char Separator = '~';

    public static UserId For(string providerId, string subject) => new(providerId + Separator + subject);

    /// <summary>A well-formed id: a provider id, '~', a subject; at most 512 characters, no whitespace, control characters or '#'.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: >= 3 and <= 512 }
        && value.IndexOf(Separator, StringComparison.Ordinal) > 0
        && value.IndexOf(Separator, StringComparison.Ordinal) < value.Length - 1
        && !value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '#');

    public override string ToString() => Value;
}

public readonly record struct RoleId(Guid Value)
{
    public static RoleId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString();
}

public enum UserType
{
    Human,
    Application,
}

/// <summary>How a user row was last written (Lakekeeper's <c>last-updated-with</c>).</summary>
public static class UserUpdateSource
{
    public const string CreateEndpoint = "create-endpoint";
    public const string ConfigCallCreation = "config-call-creation";
    public const string UpdateEndpoint = "update-endpoint";
    public const string RoleProvider = "role-provider";
}

public sealed record UserRecord(
    UserId Id,
    string Name,
    string? Email,
    UserType Type,
    string LastUpdatedWith,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt);

public sealed record RoleRecord(
    RoleId Id,
    Model.ProjectId ProjectId,
    string Name,
    string? Description,
    string ProviderId,
    string SourceId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt)
{
    /// <summary>The project-scoped identifier <c>provider~source-id</c>.</summary>
    public string Ident => ProviderId + "~" + SourceId;
}

public enum RoleMemberType
{
    User,
    Role,
}

/// <summary>A member of a role with its display identity (name and email of a user; ident and name of a role).</summary>
public sealed record RoleMemberRecord(RoleMemberType Type, string Id, string? Name, string? Email, string? Ident);

/// <summary>A page of results and the key the next page starts after (null on the last); the API seals it into a page token.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextKey);
