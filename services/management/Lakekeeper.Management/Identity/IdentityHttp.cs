using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lakekeeper.Authz;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Identity;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Management.Identity;

/// <summary>What the user and role endpoints share: bodies, paging, the project, the caller, checks.</summary>
internal static class IdentityHttp
{
    public const int MaxNameLength = 128;

    /// <summary>The body as <typeparamref name="T"/>, or the 400 that says why not.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
            return value is null ? (null, ErrorResponse.BadRequest("The body must be a JSON object").ToResult()) : (value, null);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 1 } path ? " at " + path : string.Empty;
            return (null, ErrorResponse.BadRequest($"The body is not a valid {typeof(T).Name}{where}").ToResult());
        }
    }

    /// <summary>pageSize (1 to 1000, default 100) and the sealed page token of this listing (<see cref="ManagementPaging"/>).</summary>
    public static bool TryPaging(HttpRequest request, out string? after, out int pageSize, out PageTokenScope scope, out IResult? error)
    {
        after = null;
        pageSize = PageSizes.Default;
        error = null;
        scope = ManagementPaging.QueryScope(request.HttpContext);
        var size = request.Query["pageSize"].ToString();
        if (size.Length > 0 && (!int.TryParse(size, out pageSize) || pageSize < 1))
        {
            error = ErrorResponse.BadRequest("pageSize must be a positive whole number").ToResult();
            return false;
        }

        pageSize = Math.Min(pageSize, PageSizes.Max);
        if (!ManagementPaging.TryOpen(scope, request.Query["pageToken"].ToString(), out after))
        {
            error = ErrorResponse.BadRequest("pageToken is not a token this server issued for this listing").ToResult();
            return false;
        }

        return true;
    }

    /// <summary>The project of a role request: <c>x-project-id</c>, else a deprecated body/query value, else the default project.</summary>
    public static bool TryProject(HttpContext context, string? deprecated, out ProjectId project, out IResult? error)
    {
        error = null;
        if (context.Request.Headers.ContainsKey(ProjectsApi.ProjectHeader) || string.IsNullOrEmpty(deprecated))
        {
            if (ProjectsApi.TryCurrent(context, out project))
            {
                return true;
            }

            error = ErrorResponse.BadRequest($"{ProjectsApi.ProjectHeader} must be a UUID").ToResult();
            return false;
        }

        if (Guid.TryParse(deprecated, out var id))
        {
            project = new ProjectId(id);
            return true;
        }

        project = default;
        error = ErrorResponse.BadRequest("project-id must be a UUID").ToResult();
        return false;
    }

    public static bool ValidName(string? name) => name is { Length: > 0 and <= MaxNameLength } && !name.Any(char.IsControl);

    public static bool TryUserType(string? value, UserType fallback, out UserType type)
    {
        type = value switch
        {
            null => fallback,
            "human" => UserType.Human,
            "application" => UserType.Application,
            _ => (UserType)(-1),
        };
        return (int)type >= 0;
    }

    public static Principal ToPrincipal(Caller caller) =>
        caller.IsAnonymous ? Principal.Anonymous : new Principal(caller.UserId!.Value.Value, caller.AssumedRole?.ToString());

    public static ErrorResponse Forbidden(string action) => new(403, "ForbiddenException", "Forbidden: " + action);

    public static ErrorResponse NoSuchRole(Guid id) => new(404, "NoSuchRoleException", $"Role does not exist: {id}");

    public static ErrorResponse NoSuchUser(string id) => new(404, "NoSuchUserException", $"User does not exist: {id}");
}

/// <summary>Lakekeeper's action names for users and roles, checked with <see cref="IAuthorizer"/>.</summary>
internal static class IdentityActions
{
    public const string ServerId = "lakekeeper";

    // On the server.
    public const string CanListUsers = "can_list_users";
    public const string CanProvisionUsers = "can_provision_users";
    public const string CanUpdateUsers = "can_update_users";
    public const string CanDeleteUsers = "can_delete_users";

    // On a project.
    public const string CanCreateRole = "can_create_role";
    public const string CanListRoles = "can_list_roles";
    public const string CanSearchRoles = "can_search_roles";

    // On a role.
    public const string CanRead = "can_read";
    public const string CanUpdate = "can_update";
    public const string CanDelete = "can_delete";
    public const string CanReadAssignments = "can_read_assignments";
    public const string CanGrantAssignee = "can_grant_assignee";
}
