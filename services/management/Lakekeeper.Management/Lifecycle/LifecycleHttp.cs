using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Identity;
using Lakekeeper.Security.Secrets;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Management.Lifecycle;

/// <summary>The errors of these endpoints, in the words clients see.</summary>
internal static class LifecycleErrors
{
    public static ApiError Of(int code, string type, string message) => new(new ErrorResponse(code, type, message));

    public static ApiError BadRequest(string message) => new(ErrorResponse.BadRequest(message));

    public static ApiError NoSuchWarehouse(Guid id) => Of(404, "NoSuchWarehouseException", $"Warehouse does not exist: {id}");

    public static ApiError NoSuchProject(Guid id) => Of(404, "NoSuchProjectException", $"Project does not exist: {id}");

    public static ApiError NoSuchNamespace(Guid id) => Of(404, "NoSuchNamespaceException", $"Namespace does not exist: {id}");

    public static ApiError NoSuchTabular(TabularType type, Guid id) => type == TabularType.View
        ? Of(404, "NoSuchViewException", $"View does not exist: {id}")
        : Of(404, "NoSuchTableException", $"Table does not exist: {id}");

    public static ApiError NoSuchTask(Guid id) => Of(404, "NoSuchTaskException", $"Task does not exist: {id}");

    public static ApiError Forbidden(string action) => Of(403, "ForbiddenException", "Forbidden: " + action);

    public static ApiError Conflict(string type, string message) => Of(409, type, message);
}

/// <summary>What the lifecycle and task endpoints share: bodies, paging, the caller, the warehouse or project, authorization.</summary>
internal sealed class LifecycleHttp(IAuthorizer authorizer, ICallerAccessor callers, WarehouseRepository warehouses, ProjectRepository projects)
{
    public Principal Caller => IdentityHttp.ToPrincipal(callers.Current);

    /// <summary>The caller as the audit log records it.</summary>
    public Caller CurrentCaller => callers.Current;

    public IAuthorizer Authorizer => authorizer;

    /// <summary>
    /// The body as <typeparamref name="T"/>, or a 400 that names what is wrong and where
    /// (<c>$.targets[0].id</c>) without echoing values.
    /// </summary>
    public static async Task<(T? Value, ApiError? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
            return value is null ? (null, LifecycleErrors.BadRequest("The body must be a JSON object")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, LifecycleErrors.BadRequest(Describe(ex)));
        }
    }

    /// <summary>A deserialisation failure in words that name the field but never echo a value.</summary>
    internal static string Describe(JsonException ex)
    {
        var where = ex.Path is { Length: > 1 } path ? " at " + path : string.Empty;
        const string unmapped = "The JSON property '";
        var message = ex.Message;
        if (message.StartsWith(unmapped, StringComparison.Ordinal) && message.IndexOf('\'', unmapped.Length) is var end and > 0)
        {
            return $"Invalid body: unknown field '{message[unmapped.Length..end]}'{where}";
        }

        if (message.StartsWith("must be ", StringComparison.Ordinal))
        {
            return $"Invalid body{where}: {message}";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"Invalid body{where}: wrong type or malformed value";
        }

        return $"The body is not valid JSON{where}";
    }

    /// <summary>pageSize (1 to 1000, default 100) and the page token, sealed for this listing (<see cref="ManagementPaging"/>).</summary>
    public static ApiError? Paging(HttpContext context, string? pageSizeText, string? pageToken, out int pageSize, out string? after, out PageTokenScope scope)
    {
        pageSize = PageSizes.Default;
        after = null;
        scope = ManagementPaging.QueryScope(context);
        if (!string.IsNullOrEmpty(pageSizeText)
            && (!int.TryParse(pageSizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize < 1))
        {
            return LifecycleErrors.BadRequest("pageSize must be a positive whole number");
        }

        pageSize = Math.Min(pageSize, PageSizes.Max);
        return ManagementPaging.TryOpen(scope, pageToken, out after) ? null : LifecycleErrors.BadRequest("pageToken is not a token this server issued for this listing");
    }

    /// <summary>A keyset position (a time and an id) as the key of a page token, and back (<see cref="TryPosition"/>).</summary>
    public static string Position(DateTimeOffset at, Guid id) => $"{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id}";

    public static bool TryPosition(string? key, out DateTimeOffset at, out Guid id)
    {
        at = default;
        id = default;
        var bar = key?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        if (key is null || bar < 0
            || !long.TryParse(key.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !Guid.TryParse(key.AsSpan(bar + 1), out id))
        {
            return false;
        }

        at = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// The warehouse, when it exists and the caller may do <paramref name="action"/> on it; a caller
    /// who may not even see it gets 404, one who may see it but not act 403.
    /// </summary>
    public async Task<(WarehouseRecord? Warehouse, ApiError? Error)> WarehouseAsync(Guid id, string action, CancellationToken cancellationToken)
    {
        var warehouse = await warehouses.GetAsync(new WarehouseId(id), cancellationToken);
        if (warehouse is null)
        {
            return (null, LifecycleErrors.NoSuchWarehouse(id));
        }

        var denied = await RequireAsync(AuthzObject.Warehouse(id.ToString()), action, () => LifecycleErrors.NoSuchWarehouse(id), cancellationToken);
        return denied is null ? (warehouse, null) : (null, denied);
    }

    /// <summary>The project of <c>x-project-id</c> (else the default project), when it exists and the caller may do <paramref name="action"/> on it.</summary>
    public async Task<(ProjectId? Project, ApiError? Error)> ProjectAsync(HttpContext context, string action, CancellationToken cancellationToken)
    {
        if (!ProjectsApi.TryCurrent(context, out var project))
        {
            return (null, LifecycleErrors.BadRequest($"{ProjectsApi.ProjectHeader} must be a project id (a UUID)"));
        }

        if (await projects.GetAsync(project, cancellationToken) is null)
        {
            return (null, LifecycleErrors.NoSuchProject(project.Value));
        }

        var denied = await RequireAsync(AuthzObject.Project(project.ToString()), action, () => LifecycleErrors.NoSuchProject(project.Value), cancellationToken);
        return denied is null ? (project, null) : (null, denied);
    }

    /// <returns>Null when allowed; otherwise 403 when the caller may see the object, else <paramref name="notFound"/>.</returns>
    public async Task<ApiError?> RequireAsync(AuthzObject target, string action, Func<ApiError> notFound, CancellationToken cancellationToken)
    {
        if (await authorizer.CheckAsync(Caller, target, action, cancellationToken))
        {
            return null;
        }

        return action != Relations.CanGetMetadata && await authorizer.CheckAsync(Caller, target, Relations.CanGetMetadata, cancellationToken)
            ? LifecycleErrors.Forbidden(action)
            : notFound();
    }
}

/// <summary>Lakekeeper's action names for the lifecycle and task endpoints, checked with <see cref="IAuthorizer"/>.</summary>
internal static class LifecycleActions
{
    // On a warehouse.
    public const string CanListDeletedTabulars = "can_list_deleted_tabulars";
    public const string CanGetTaskQueueConfig = "can_get_task_queue_config";
    public const string CanModifyTaskQueueConfig = "can_modify_task_queue_config";
    public const string CanGetAllTasks = "can_get_all_tasks";
    public const string CanControlAllTasks = "can_control_all_tasks";
    public const string CanAcceptMovedNamespace = "can_accept_moved_namespace";

    // On a project.
    public const string CanGetProjectTasks = "can_get_project_tasks";
    public const string CanControlProjectTasks = "can_control_project_tasks";

    // On a namespace, table or view.
    public const string CanSetProtection = "can_set_protection";
    public const string CanMove = "can_move";
}
