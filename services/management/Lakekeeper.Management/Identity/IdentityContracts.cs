using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Lakekeeper.Persistence.Identity;

namespace Lakekeeper.Management.Identity;

// Request and response bodies of the user, role, whoami and bootstrap endpoints, as Lakekeeper's
// management API spells them (kebab-case). Request fields are nullable so that a missing one is a
// clear 400 rather than a deserialisation failure.

internal sealed record UserResponse(
    string Id, string Name, string? Email, string UserType, string LastUpdatedWith, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt)
{
    public static UserResponse From(UserRecord user) => new(
        user.Id.Value, user.Name, user.Email, UserRepository.TypeName(user.Type), user.LastUpdatedWith, user.CreatedAt, user.UpdatedAt);
}

internal sealed record WhoamiResponse(
    string Id, string Name, string? Email, string UserType, string LastUpdatedWith, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt, bool IsInstanceAdmin);

internal sealed record ListUsersResponse(IReadOnlyList<UserResponse> Users, string? NextPageToken);

internal sealed record CreateUserRequest(string? Id, string? Name, string? Email, [property: AllowedValues("human", "application")] string? UserType, bool? UpdateIfExists);

internal sealed record UpdateUserRequest([property: Required] string? Name, string? Email, [property: Required] [property: AllowedValues("human", "application")] string? UserType);

/// <summary><c>search</c> as Lakekeeper; <c>page-size</c> and <c>page-token</c> are our additions (the response's <c>next-page-token</c> pages on).</summary>
internal sealed record SearchRequest([property: Required] string? Search, string? ProjectId, int? PageSize, string? PageToken);

internal sealed record SearchUser(string Id, string Name, string? Email, string UserType);

internal sealed record SearchUserResponse(IReadOnlyList<SearchUser> Users, string? NextPageToken);

internal sealed record RoleResponse(
    Guid Id, string Ident, string ProviderId, string SourceId, string Name, string? Description, Guid ProjectId,
    DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt)
{
    public static RoleResponse From(RoleRecord role) => new(
        role.Id.Value, role.Ident, role.ProviderId, role.SourceId, role.Name, role.Description, role.ProjectId.Value, role.CreatedAt, role.UpdatedAt);
}

internal sealed record RoleMetadata(Guid Id, string Ident, string ProviderId, string SourceId, string Name, Guid ProjectId);

internal sealed record ListRolesResponse(IReadOnlyList<RoleResponse> Roles, string? NextPageToken);

internal sealed record SearchRoleResponse(IReadOnlyList<RoleResponse> Roles);

internal sealed record CreateRoleRequest([property: Required] string? Name, string? Description, string? ProjectId, string? ProviderId, string? SourceId);

internal sealed record UpdateRoleRequest([property: Required] string? Name, string? Description);

internal sealed record UpdateRoleSourceSystemRequest([property: Required] string? ProviderId, [property: Required] string? SourceId);

internal sealed record RoleMemberRef([property: Required] [property: AllowedValues("user", "role")] string? Type, [property: Required] string? Id);

internal sealed record AddRoleMembersRequest([property: Required] IReadOnlyList<RoleMemberRef?>? Members);

internal sealed record AddRoleMembersResponse(IReadOnlyList<RoleMemberRef> Members);

/// <summary>A member: <c>{"type":"user","id","name","email"}</c> or <c>{"type":"role","id","ident","name"}</c>.</summary>
internal sealed record RoleMember(string Type, string Id, string? Name, string? Email, string? Ident)
{
    public static RoleMember From(RoleMemberRecord member) => new(
        member.Type == RoleMemberType.User ? "user" : "role", member.Id, member.Name, member.Email, member.Ident);
}

internal sealed record ListRoleMembersResponse(IReadOnlyList<RoleMember> Members, string? NextPageToken);

internal sealed record RoleMembership(Guid Id, string Ident, string Name)
{
    public static RoleMembership From(RoleRecord role) => new(role.Id.Value, role.Ident, role.Name);
}

internal sealed record ListRoleMembershipsResponse(IReadOnlyList<RoleMembership> Roles, string? NextPageToken);

internal sealed record BootstrapRequest([property: Required] bool? AcceptTermsOfUse, bool? IsOperator, string? UserName, string? UserEmail, [property: AllowedValues("human", "application")] string? UserType);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    MaxDepth = 32)]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(WhoamiResponse))]
[JsonSerializable(typeof(ListUsersResponse))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(SearchRequest))]
[JsonSerializable(typeof(SearchUserResponse))]
[JsonSerializable(typeof(RoleResponse))]
[JsonSerializable(typeof(RoleMetadata))]
[JsonSerializable(typeof(ListRolesResponse))]
[JsonSerializable(typeof(SearchRoleResponse))]
[JsonSerializable(typeof(CreateRoleRequest))]
[JsonSerializable(typeof(UpdateRoleRequest))]
[JsonSerializable(typeof(UpdateRoleSourceSystemRequest))]
[JsonSerializable(typeof(AddRoleMembersRequest))]
[JsonSerializable(typeof(AddRoleMembersResponse))]
[JsonSerializable(typeof(ListRoleMembersResponse))]
[JsonSerializable(typeof(ListRoleMembershipsResponse))]
[JsonSerializable(typeof(BootstrapRequest))]
internal sealed partial class IdentityJson : JsonSerializerContext;
