using Lakekeeper.Authz;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Security.Identity;
using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Management.Identity;

/// <summary>
/// <c>/whoami</c>, <c>/user</c>, <c>/user/{id}</c>, <c>/user/{id}/roles</c>, <c>/search/user</c>.
/// Users are server-wide; a user may always read and update itself.
/// </summary>
internal static class UsersApi
{
    private const int DefaultSearchPageSize = 10;

    public static void MapUsersApi(this RouteGroupBuilder management)
    {
        management.MapGet("/whoami", Whoami).Produces<WhoamiResponse>().WithTags("user").WithName("whoami").WithSummary("The calling user");
        management.MapGet("/user", ListUsers).Produces<ListUsersResponse>().WithMetadata(QueryParameters.Paged, new QueryParameters("name")).WithTags("user").WithName("list_user").WithSummary("List users");
        management.MapPost("/user", ProvisionUser).Accepts<CreateUserRequest>("application/json").Produces<UserResponse>(201).Produces<UserResponse>()
            .WithTags("user").WithName("create_user").WithSummary("Provision a user, or register the caller");
        management.MapGet("/user/{user_id}", GetUser).Produces<UserResponse>().WithTags("user").WithName("get_user").WithSummary("Get a user");
        management.MapPut("/user/{user_id}", ReplaceUser).Accepts<UpdateUserRequest>("application/json").Produces(200).WithTags("user").WithName("update_user").WithSummary("Replace a user's details");
        management.MapDelete("/user/{user_id}", DeleteUser).Produces(204).WithTags("user").WithName("delete_user").WithSummary("Delete a user");
        management.MapGet("/user/{user_id}/roles", (HttpContext c, ICallerAccessor a, IAuthorizer z, RoleRepository r, [FromRoute(Name = "user_id")] string userId) => UserRoles(c, a, z, r, userId, false))
            .Produces<ListRoleMembershipsResponse>().WithMetadata(ProjectScoped.Instance, QueryParameters.Paged).WithTags("user").WithName("list_user_roles").WithSummary("The roles a user is a direct member of");
        management.MapGet("/user/{user_id}/roles/transitive", (HttpContext c, ICallerAccessor a, IAuthorizer z, RoleRepository r, [FromRoute(Name = "user_id")] string userId) => UserRoles(c, a, z, r, userId, true))
            .Produces<ListRoleMembershipsResponse>().WithMetadata(ProjectScoped.Instance, QueryParameters.Paged).WithTags("user").WithName("list_user_transitive_roles").WithSummary("The roles a user holds, directly or through other roles");
        management.MapPost("/search/user", SearchUsers).Accepts<SearchRequest>("application/json").Produces<SearchUserResponse>()
            .WithTags("user").WithName("search_user").WithSummary("Search users by name");
    }

    private static async Task<IResult> Whoami(HttpContext context, ICallerAccessor callers, UserRepository users, InstanceAdministrators admins)
    {
        var caller = callers.Current;
        if (caller.UserId is not { } id)
        {
            return new ErrorResponse(404, "NoSuchUserException",
                "The caller is anonymous: this server runs without an identity provider, so there is no user to show").ToResult();
        }

        var user = await users.GetAsync(id, context.RequestAborted);
        if (user is null)
        {
            return IdentityHttp.NoSuchUser(id.Value).ToResult();
        }

        return TypedResults.Json(
            new WhoamiResponse(user.Id.Value, user.Name, user.Email, UserRepository.TypeName(user.Type), user.LastUpdatedWith, user.CreatedAt, user.UpdatedAt,
                await admins.IsInstanceAdminAsync(caller, context.RequestAborted)),
            IdentityJson.Default.WhoamiResponse);
    }

    private static async Task<IResult> ListUsers(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, UserRepository users)
    {
        if (!IdentityHttp.TryPaging(context.Request, out var after, out var pageSize, out var scope, out var error))
        {
            return error!;
        }

        if (!await CheckServerAsync(authorizer, callers.Current, IdentityActions.CanListUsers, context.RequestAborted))
        {
            return IdentityHttp.Forbidden(IdentityActions.CanListUsers).ToResult();
        }

        var name = context.Request.Query["name"].ToString();
        var page = await users.ListAsync(name.Length == 0 ? null : name, after, pageSize, context.RequestAborted);
        return TypedResults.Json(new ListUsersResponse([.. page.Items.Select(UserResponse.From)], ManagementPaging.Next(scope, page.NextKey)), IdentityJson.Default.ListUsersResponse);
    }

    /// <summary>
    /// Without <c>id</c>: the caller registers itself (name and email from the body, else its token).
    /// With <c>id</c>: provisions another user (needs <c>can_provision_users</c>). An existing user is
    /// overwritten only with <c>update-if-exists</c>; otherwise it is returned as it is (200).
    /// </summary>
    private static async Task<IResult> ProvisionUser(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, UserRepository users, UserService service)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.CreateUserRequest);
        if (body is null)
        {
            return error!;
        }

        var caller = callers.Current;
        UserId id;
        if (body.Id is null)
        {
            if (caller.UserId is not { } own)
            {
                return ErrorResponse.BadRequest("id is required: the caller is anonymous, so there is no token to register from").ToResult();
            }

            id = own;
        }
        else
        {
            if (!UserId.IsValid(body.Id))
            {
                return ErrorResponse.BadRequest("id must be <provider-id>~<subject> (e.g. oidc~1234), at most 512 characters, without whitespace or '#'").ToResult();
            }

            id = new UserId(body.Id);
        }

        var self = caller.UserId == id;
        var name = body.Name ?? (self ? caller.Name : null);
        if (name is null || name.Length is 0 or > 512 || name.Any(char.IsControl))
        {
            return ErrorResponse.BadRequest("name is required (1 to 512 characters without control characters) when provisioning another user").ToResult();
        }

        var email = body.Email ?? (self ? caller.Email : null);
        if (email is { Length: > 512 } || email?.Any(char.IsControl) == true)
        {
            return ErrorResponse.BadRequest("email must be at most 512 characters without control characters").ToResult();
        }

        if (!IdentityHttp.TryUserType(body.UserType, self ? caller.UserType : UserType.Human, out var type))
        {
            return ErrorResponse.BadRequest("user-type must be 'human' or 'application'").ToResult();
        }

        if (!self && !await CheckServerAsync(authorizer, caller, IdentityActions.CanProvisionUsers, context.RequestAborted))
        {
            return IdentityHttp.Forbidden(IdentityActions.CanProvisionUsers).ToResult();
        }

        var (outcome, user) = await service.ProvisionAsync(caller, id, name, email, type, body.UpdateIfExists ?? false, context.RequestAborted);
        if (user is null)
        {
            return IdentityHttp.NoSuchUser(id.Value).ToResult();
        }

        return TypedResults.Json(UserResponse.From(user), IdentityJson.Default.UserResponse, statusCode: outcome == UserWriteOutcome.Created ? 201 : 200);
    }

    private static async Task<IResult> GetUser(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, UserRepository users, [FromRoute(Name = "user_id")] string userId)
    {
        var caller = callers.Current;
        if (caller.UserId?.Value != userId && !await CheckServerAsync(authorizer, caller, IdentityActions.CanListUsers, context.RequestAborted))
        {
            return IdentityHttp.NoSuchUser(userId).ToResult();
        }

        var user = UserId.IsValid(userId) ? await users.GetAsync(new UserId(userId), context.RequestAborted) : null;
        return user is null
            ? IdentityHttp.NoSuchUser(userId).ToResult()
            : TypedResults.Json(UserResponse.From(user), IdentityJson.Default.UserResponse);
    }

    private static async Task<IResult> ReplaceUser(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, UserService service, [FromRoute(Name = "user_id")] string userId)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.UpdateUserRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.Name is null || body.Name.Length is 0 or > 512 || body.Name.Any(char.IsControl))
        {
            return ErrorResponse.BadRequest("name is required: 1 to 512 characters without control characters").ToResult();
        }

        if (body.Email is { Length: > 512 } || body.Email?.Any(char.IsControl) == true)
        {
            return ErrorResponse.BadRequest("email must be at most 512 characters without control characters").ToResult();
        }

        if (body.UserType is null || !IdentityHttp.TryUserType(body.UserType, UserType.Human, out var type))
        {
            return ErrorResponse.BadRequest("user-type is required: 'human' or 'application'").ToResult();
        }

        var caller = callers.Current;
        if (caller.UserId?.Value != userId && !await CheckServerAsync(authorizer, caller, IdentityActions.CanUpdateUsers, context.RequestAborted))
        {
            return IdentityHttp.Forbidden(IdentityActions.CanUpdateUsers).ToResult();
        }

        return UserId.IsValid(userId) && await service.ReplaceAsync(caller, new UserId(userId), body.Name, body.Email, type, context.RequestAborted)
            ? TypedResults.Ok()
            : IdentityHttp.NoSuchUser(userId).ToResult();
    }

    private static async Task<IResult> DeleteUser(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, UserService service, [FromRoute(Name = "user_id")] string userId)
    {
        var caller = callers.Current;
        if (!await CheckServerAsync(authorizer, caller, IdentityActions.CanDeleteUsers, context.RequestAborted))
        {
            return IdentityHttp.Forbidden(IdentityActions.CanDeleteUsers).ToResult();
        }

        return UserId.IsValid(userId) && await service.DeleteAsync(caller, new UserId(userId), context.RequestAborted)
            ? TypedResults.NoContent()
            : IdentityHttp.NoSuchUser(userId).ToResult();
    }

    private static async Task<IResult> UserRoles(
        HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, RoleRepository roles, string userId, bool transitive)
    {
        if (!IdentityHttp.TryPaging(context.Request, out var after, out var pageSize, out var scope, out var error)
            || !IdentityHttp.TryProject(context, null, out var project, out error))
        {
            return error!;
        }

        var caller = callers.Current;
        if (caller.UserId?.Value != userId
            && await RolesApi.DenyProjectAsync(authorizer, caller, project, IdentityActions.CanListRoles, context.RequestAborted) is { } denied)
        {
            return denied;
        }

        if (!UserId.IsValid(userId))
        {
            return IdentityHttp.NoSuchUser(userId).ToResult();
        }

        var depth = transitive ? RoleLimits.TransitiveDepth(context) : 0;
        var page = await roles.ListUserRolesAsync(project, new UserId(userId), depth, after, pageSize, context.RequestAborted);
        return TypedResults.Json(new ListRoleMembershipsResponse([.. page.Items.Select(RoleMembership.From)], ManagementPaging.Next(scope, page.NextKey)),
            IdentityJson.Default.ListRoleMembershipsResponse);
    }

    private static async Task<IResult> SearchUsers(HttpContext context, ICallerAccessor callers, IAuthorizer authorizer, UserRepository users)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.SearchRequest);
        if (body is null)
        {
            return error!;
        }

        if (string.IsNullOrWhiteSpace(body.Search))
        {
            return ErrorResponse.BadRequest("search is required").ToResult();
        }

        var pageSize = Math.Clamp(body.PageSize ?? DefaultSearchPageSize, 1, PageSizes.Max);
        var offset = 0;
        var scope = ManagementPaging.BodyScope(context, body with { PageSize = null, PageToken = null }, IdentityJson.Default.SearchRequest);
        if (!ManagementPaging.TryOpen(scope, body.PageToken, out var key)
            || key is not null && (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            return ErrorResponse.BadRequest("page-token is not a token this server issued for this search").ToResult();
        }

        if (!await CheckServerAsync(authorizer, callers.Current, IdentityActions.CanListUsers, context.RequestAborted))
        {
            return IdentityHttp.Forbidden(IdentityActions.CanListUsers).ToResult();
        }

        var page = await users.SearchAsync(body.Search.Trim(), offset, pageSize, context.RequestAborted);
        return TypedResults.Json(
            new SearchUserResponse([.. page.Items.Select(u => new SearchUser(u.Id.Value, u.Name, u.Email, UserRepository.TypeName(u.Type)))], ManagementPaging.Next(scope, page.NextKey)),
            IdentityJson.Default.SearchUserResponse);
    }

    private static ValueTask<bool> CheckServerAsync(IAuthorizer authorizer, Caller caller, string action, CancellationToken cancellationToken) =>
        authorizer.CheckAsync(IdentityHttp.ToPrincipal(caller), AuthzObject.Server(IdentityActions.ServerId), action, cancellationToken);
}
