using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management;

/// <summary>
/// Projects. The current project is named by the <c>x-project-id</c> header (the default project
/// when absent and enabled); the deprecated <c>/project/{id}</c> routes address one explicitly.
/// </summary>
internal static class ProjectsApi
{
    public const string ProjectHeader = "x-project-id";

    public static void MapProjectsApi(this RouteGroupBuilder management)
    {
        management.MapPost("/project", CreateProject).Accepts<CreateProjectRequest>("application/json")
            .WithTags("project").WithName("create_project").WithSummary("Create a project");
        management.MapGet("/project-list", ListProjects)
            .WithTags("project").WithName("list_projects").WithSummary("List the projects the caller may see");
        management.MapGet("/project", (HttpContext c, ProjectRepository p, ManagementAccess a) => GetProject(c, p, a, null))
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("get_project").WithSummary("Get the current project (x-project-id)");
        management.MapDelete("/project", (HttpContext c, ProjectRepository p, ManagementAccess m, AuthzOutbox o, [FromQuery] bool? force) => DeleteProject(c, p, m, o, null, force))
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("delete_project")
            .WithSummary("Delete the current project; one that still has warehouses only with force=true, which deletes them too");
        management.MapPost("/project/rename", (HttpContext c, ProjectRepository p, ManagementAccess a) => RenameProject(c, p, a, null))
            .Accepts<RenameProjectRequest>("application/json")
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("rename_project").WithSummary("Rename the current project");

        management.MapGet("/project/{project_id:guid}", (HttpContext c, ProjectRepository p, ManagementAccess a, [FromRoute(Name = "project_id")] Guid projectId) => GetProject(c, p, a, projectId))
            .WithTags("project").WithName("get_project_by_id_deprecated").WithSummary("Get a project (deprecated: use x-project-id)");
        management.MapDelete("/project/{project_id:guid}",
                (HttpContext c, ProjectRepository p, ManagementAccess m, AuthzOutbox o, [FromRoute(Name = "project_id")] Guid projectId, [FromQuery] bool? force) =>
                    DeleteProject(c, p, m, o, projectId, force))
            .WithTags("project").WithName("delete_project_by_id_deprecated").WithSummary("Delete a project (deprecated: use x-project-id)");
        management.MapPost("/project/{project_id:guid}/rename",
                (HttpContext c, ProjectRepository p, ManagementAccess a, [FromRoute(Name = "project_id")] Guid projectId) => RenameProject(c, p, a, projectId))
            .Accepts<RenameProjectRequest>("application/json")
            .WithTags("project").WithName("rename_project_by_id_deprecated").WithSummary("Rename a project (deprecated: use x-project-id)");
    }

    /// <summary>The project a request is about: the header, else the default project (false: malformed or none).</summary>
    public static bool TryCurrent(HttpContext context, out ProjectId project)
    {
        var resolved = ManagementHttp.Project(context, out _);
        project = resolved ?? default;
        return resolved is not null;
    }

    private static async Task<Results<Created<CreateProjectResponse>, ApiError>> CreateProject(
        HttpContext context, ProjectRepository projects, IAuthorizer authorizer, AuthzOutbox outbox)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.CreateProjectRequest);
        if (body is null)
        {
            return error!;
        }

        if (!ManagementHttp.ValidName(body.ProjectName))
        {
            return ManagementErrors.BadRequest("project-name is required: 1 to 128 characters without control characters");
        }

        var id = Guid.CreateVersion7();
        if (body.ProjectId is { } given && !Guid.TryParse(given, out id))
        {
            return ManagementErrors.BadRequest("project-id must be a UUID");
        }

        if (!await authorizer.CheckAsync(ManagementHttp.Caller(context), AuthzObject.Server("lakekeeper"), Relations.CanCreateProject, context.RequestAborted))
        {
            return ManagementErrors.Forbidden("Forbidden: can_create_project");
        }

        // The creator administers the new project, which hangs below the server (docs/authz.md, tuple hygiene).
        var self = AuthzObject.Project(id.ToString());
        var tuples = new TupleChanges().Write(AuthzHierarchy.Link(self, AuthzObject.Server(IdentityActions.ServerId)))
            .Own(self, ManagementHttp.Caller(context), "project_admin");
        var created = await projects.CreateAsync(new ProjectId(id), body.ProjectName!, context.RequestAborted, tuples.ToRows());
        ManagementHttp.Audit(context, "create-project", "project:" + id, created is null ? "conflict" : "done");
        if (created is null)
        {
            return ManagementErrors.Conflict($"Project {id} already exists");
        }

        await outbox.DeliverAsync(context.RequestAborted);
        return TypedResults.Created((string?)null, new CreateProjectResponse(id));
    }

    private static async Task<Ok<ListProjectsResponse>> ListProjects(HttpContext context, ProjectRepository projects, IAuthorizer authorizer)
    {
        var list = await projects.ListAsync(context.RequestAborted);
        var caller = ManagementHttp.Caller(context);
        // All with can_list_all_projects on the server, else those the caller can include in a list (one list-objects call).
        if (!await authorizer.CheckAsync(caller, AuthzObject.Server(AuthzHierarchy.ServerId), "can_list_all_projects", context.RequestAborted))
        {
            var visible = await authorizer.ListObjectsAsync(caller, ObjectTypes.Project, Relations.CanIncludeInList, cancellationToken: context.RequestAborted);
            list = [.. list.Where(p => visible.Contains(p.Id.ToString()))];
        }

        return TypedResults.Ok(new ListProjectsResponse([.. list.Select(p => new GetProjectResponse(p.Id.Value, p.Name))]));
    }

    private static async Task<Results<Ok<GetProjectResponse>, ApiError>> GetProject(
        HttpContext context, ProjectRepository projects, ManagementAccess access, Guid? explicitId)
    {
        if (Resolve(context, explicitId, out var error) is not { } id)
        {
            return error!;
        }

        if (await access.RequireAsync(AuthzObject.Project(id.ToString()), Relations.CanGetMetadata, ManagementErrors.NoSuchProject(id.Value), context.RequestAborted) is { } denied)
        {
            return denied;
        }

        var project = await projects.GetAsync(id, context.RequestAborted);
        return project is null
            ? ManagementErrors.NoSuchProject(id.Value)
            : TypedResults.Ok(new GetProjectResponse(project.Id.Value, project.Name));
    }

    private static async Task<Results<Ok, ApiError>> RenameProject(HttpContext context, ProjectRepository projects, ManagementAccess access, Guid? explicitId)
    {
        if (Resolve(context, explicitId, out var error) is not { } id)
        {
            return error!;
        }

        var (body, bodyError) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.RenameProjectRequest);
        if (body is null)
        {
            return bodyError!;
        }

        if (!ManagementHttp.ValidName(body.NewName))
        {
            return ManagementErrors.BadRequest("new-name is required: 1 to 128 characters without control characters");
        }

        // Hidden: 404, as if missing; visible but not renameable: 403 (docs/authz.md, enforcement).
        if (await access.RequireAsync(AuthzObject.Project(id.ToString()), Relations.CanRename, ManagementErrors.NoSuchProject(id.Value), context.RequestAborted) is { } denied)
        {
            return denied;
        }

        if (!await projects.RenameAsync(id, body.NewName!, context.RequestAborted))
        {
            return ManagementErrors.NoSuchProject(id.Value);
        }

        ManagementHttp.Audit(context, "rename-project", "project:" + id, "done");
        return TypedResults.Ok();
    }

    private static async Task<Results<NoContent, ApiError>> DeleteProject(
        HttpContext context, ProjectRepository projects, ManagementAccess access, AuthzOutbox outbox, Guid? explicitId, bool? force)
    {
        if (Resolve(context, explicitId, out var error) is not { } id)
        {
            return error!;
        }

        var self = AuthzObject.Project(id.ToString());
        if (await access.RequireAsync(self, Relations.CanDelete, ManagementErrors.NoSuchProject(id.Value), context.RequestAborted) is { } denied)
        {
            return denied;
        }

        // A forced delete takes the project's warehouses with it: those managed by instance administrators only through one.
        if (force is true
            && (await context.RequestServices.GetRequiredService<WarehouseRepository>().ListAsync(id, context.RequestAborted)).Any(w => w.IsInstanceAdminManaged)
            && !await context.RequestServices.GetRequiredService<InstanceAdministrators>().IsInstanceAdminAsync(ManagementHttp.CurrentCaller(context), context.RequestAborted))
        {
            ManagementHttp.Audit(context, "delete-project", "project:" + id, "refused: holds managed-by instance-admin warehouses");
            return ManagementErrors.Forbidden(
                $"Forbidden: project {id} holds warehouses managed-by 'instance-admin'; only an instance administrator may delete them with the project");
        }

        // The project's tuples go through the authz outbox with the delete; a forced delete purges there, in the same
        // transaction, the tuples of its warehouses, their namespaces, tables and views, and its roles.
        var warehouses = new List<WarehouseId>();
        var outcome = await projects.DeleteAsync(id, force is true, warehouses, context.RequestAborted,
            new TupleChanges().Delete(AuthzHierarchy.Link(self, AuthzObject.Server(IdentityActions.ServerId))).Purge(self).ToRows());
        await outbox.DeliverAsync(context.RequestAborted);
        ManagementHttp.Audit(context, "delete-project", "project:" + id, force is true ? $"{outcome} (forced, {warehouses.Count} warehouses)" : outcome.ToString());
        switch (outcome)
        {
            case ProjectDeleteOutcome.HasWarehouses:
                return ManagementErrors.NotEmpty($"Project {id} still has warehouses: delete them first, or delete the project with force=true");
            case ProjectDeleteOutcome.NotFound:
                return ManagementErrors.NoSuchProject(id.Value);
        }

        return TypedResults.NoContent();
    }

    private static ProjectId? Resolve(HttpContext context, Guid? explicitId, out ApiError? error)
    {
        error = null;
        return explicitId is { } given ? new ProjectId(given) : ManagementHttp.Project(context, out error);
    }
}
