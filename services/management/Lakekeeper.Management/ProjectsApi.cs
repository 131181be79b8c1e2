using Lakekeeper.Authz;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

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
        management.MapGet("/project", (HttpContext c, ProjectRepository p) => GetProject(c, p, null))
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("get_project").WithSummary("Get the current project (x-project-id)");
        management.MapDelete("/project", (HttpContext c, ProjectRepository p, IAuthorizer a, [FromQuery] bool? force) => DeleteProject(c, p, a, null, force))
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("delete_project")
            .WithSummary("Delete the current project; one that still has warehouses only with force=true, which deletes them too");
        management.MapPost("/project/rename", (HttpContext c, ProjectRepository p, IAuthorizer a) => RenameProject(c, p, a, null))
            .Accepts<RenameProjectRequest>("application/json")
            .WithMetadata(ProjectScoped.Instance).WithTags("project").WithName("rename_project").WithSummary("Rename the current project");

        management.MapGet("/project/{project_id:guid}", (HttpContext c, ProjectRepository p, [FromRoute(Name = "project_id")] Guid projectId) => GetProject(c, p, projectId))
            .WithTags("project").WithName("get_project_by_id_deprecated").WithSummary("Get a project (deprecated: use x-project-id)");
        management.MapDelete("/project/{project_id:guid}",
                (HttpContext c, ProjectRepository p, IAuthorizer a, [FromRoute(Name = "project_id")] Guid projectId, [FromQuery] bool? force) => DeleteProject(c, p, a, projectId, force))
            .WithTags("project").WithName("delete_project_by_id_deprecated").WithSummary("Delete a project (deprecated: use x-project-id)");
        management.MapPost("/project/{project_id:guid}/rename",
                (HttpContext c, ProjectRepository p, IAuthorizer a, [FromRoute(Name = "project_id")] Guid projectId) => RenameProject(c, p, a, projectId))
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
        HttpContext context, ProjectRepository projects, IAuthorizer authorizer)
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

        var created = await projects.CreateAsync(new ProjectId(id), body.ProjectName!, context.RequestAborted);
        ManagementHttp.Audit(context, "create-project", "project:" + id, created is null ? "conflict" : "done");
        if (created is null)
        {
            return ManagementErrors.Conflict($"Project {id} already exists");
        }

        await authorizer.WriteRelationshipsAsync(
            [new Relationship(AuthzSubject.Of(AuthzObject.Server("lakekeeper")), "server", AuthzObject.Project(id.ToString()))],
            context.RequestAborted);
        return TypedResults.Created((string?)null, new CreateProjectResponse(id));
    }

    private static async Task<Ok<ListProjectsResponse>> ListProjects(HttpContext context, ProjectRepository projects, IAuthorizer authorizer)
    {
        var list = await projects.ListAsync(context.RequestAborted);
        var visible = await authorizer.ListObjectsAsync(ManagementHttp.Caller(context), ObjectTypes.Project, Relations.CanIncludeInList,
            cancellationToken: context.RequestAborted);
        return TypedResults.Ok(new ListProjectsResponse(
            [.. list.Where(p => visible.Contains(p.Id.ToString())).Select(p => new GetProjectResponse(p.Id.Value, p.Name))]));
    }

    private static async Task<Results<Ok<GetProjectResponse>, ApiError>> GetProject(HttpContext context, ProjectRepository projects, Guid? explicitId)
    {
        if (Resolve(context, explicitId, out var error) is not { } id)
        {
            return error!;
        }

        var project = await projects.GetAsync(id, context.RequestAborted);
        return project is null
            ? ManagementErrors.NoSuchProject(id.Value)
            : TypedResults.Ok(new GetProjectResponse(project.Id.Value, project.Name));
    }

    private static async Task<Results<Ok, ApiError>> RenameProject(HttpContext context, ProjectRepository projects, IAuthorizer authorizer, Guid? explicitId)
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

        if (!await authorizer.CheckAsync(ManagementHttp.Caller(context), AuthzObject.Project(id.ToString()), Relations.CanRename, context.RequestAborted)
            || !await projects.RenameAsync(id, body.NewName!, context.RequestAborted))
        {
            return ManagementErrors.NoSuchProject(id.Value);
        }

        ManagementHttp.Audit(context, "rename-project", "project:" + id, "done");
        return TypedResults.Ok();
    }

    private static async Task<Results<NoContent, ApiError>> DeleteProject(
        HttpContext context, ProjectRepository projects, IAuthorizer authorizer, Guid? explicitId, bool? force)
    {
        if (Resolve(context, explicitId, out var error) is not { } id)
        {
            return error!;
        }

        if (!await authorizer.CheckAsync(ManagementHttp.Caller(context), AuthzObject.Project(id.ToString()), Relations.CanDelete, context.RequestAborted))
        {
            return ManagementErrors.NoSuchProject(id.Value);
        }

        var warehouses = new List<WarehouseId>();
        var outcome = await projects.DeleteAsync(id, force is true, warehouses, context.RequestAborted);
        ManagementHttp.Audit(context, "delete-project", "project:" + id, force is true ? $"{outcome} (forced, {warehouses.Count} warehouses)" : outcome.ToString());
        switch (outcome)
        {
            case ProjectDeleteOutcome.HasWarehouses:
                return ManagementErrors.NotEmpty($"Project {id} still has warehouses: delete them first, or delete the project with force=true");
            case ProjectDeleteOutcome.NotFound:
                return ManagementErrors.NoSuchProject(id.Value);
        }

        await AuthzCleanup.ForgetAsync(authorizer, [AuthzObject.Project(id.ToString()), .. warehouses.Select(w => AuthzObject.Warehouse(w.ToString()))],
            context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static ProjectId? Resolve(HttpContext context, Guid? explicitId, out ApiError? error)
    {
        error = null;
        return explicitId is { } given ? new ProjectId(given) : ManagementHttp.Project(context, out error);
    }
}

/// <summary>Removes the authorization tuples of deleted objects, so that nothing of them is left behind.</summary>
internal static class AuthzCleanup
{
    public static async Task ForgetAsync(IAuthorizer authorizer, IReadOnlyList<AuthzObject> objects, CancellationToken cancellationToken)
    {
        foreach (var target in objects)
        {
            // Deleted tuples leave the listing: read the first page again until it is empty (bounded,
            // in case a store keeps tuples it reports).
            for (var round = 0; round < 10_000; round++)
            {
                var page = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(target, PageSize: 100), cancellationToken);
                if (page.Relationships.Count == 0)
                {
                    break;
                }

                await authorizer.DeleteRelationshipsAsync(page.Relationships, cancellationToken);
            }
        }
    }
}
