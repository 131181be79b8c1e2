using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Management;

/// <summary>
/// Projects. The current project is named by the <c>x-project-id</c> header (the default project
/// when absent); <c>/project/{id}</c> addresses one explicitly.
/// </summary>
internal static class ProjectsApi
{
    public const string ProjectHeader = "x-project-id";

    public static void MapProjectsApi(this RouteGroupBuilder management)
    {
        management.MapPost("/project", CreateProject);
        management.MapGet("/project-list", ListProjects);
        management.MapGet("/project", (HttpContext c, ProjectRepository p) => GetProject(c, p, null));
        management.MapDelete("/project", (HttpContext c, ProjectRepository p, IAuthorizer a, ICallerAccessor u, AuditLog l) => DeleteProject(c, p, a, u, l, null));
        management.MapGet("/project/{projectId:guid}", (HttpContext c, ProjectRepository p, Guid projectId) => GetProject(c, p, projectId));
        management.MapDelete("/project/{projectId:guid}", (HttpContext c, ProjectRepository p, IAuthorizer a, ICallerAccessor u, AuditLog l, Guid projectId) => DeleteProject(c, p, a, u, l, projectId));
    }

    /// <summary>The project a request is about: the header, else the default project.</summary>
    public static bool TryCurrent(HttpContext context, out ProjectId project)
    {
        var header = context.Request.Headers[ProjectHeader].ToString();
        if (header.Length == 0)
        {
            project = ProjectId.Default;
            return true;
        }

        var ok = Guid.TryParse(header, out var id);
        project = new ProjectId(id);
        return ok;
    }

    private static async Task<IResult> CreateProject(HttpContext context, ProjectRepository projects, IAuthorizer authorizer, ICallerAccessor callers, AuditLog audit)
    {
        var body = await ManagementJson.ReadBodyAsync(context.Request);
        using var document = ManagementJson.TryParse(body, out var error);
        if (document is null)
        {
            return ManagementErrors.BadRequest(error!).ToResult();
        }

        var root = document.RootElement;
        var name = ManagementJson.String(root, "project-name");
        if (name is null || name.Length is 0 or > 128 || name.Any(char.IsControl))
        {
            return ManagementErrors.BadRequest("project-name is required: 1 to 128 characters without control characters").ToResult();
        }

        var id = Guid.CreateVersion7();
        if (root.TryGetProperty("project-id", out var given) && given.ValueKind != JsonValueKind.Null)
        {
            if (given.ValueKind != JsonValueKind.String || !Guid.TryParse(given.GetString(), out id))
            {
                return ManagementErrors.BadRequest("project-id must be a UUID").ToResult();
            }
        }

        var caller = callers.Current;
        if (!await authorizer.CheckAsync(IdentityHttp.ToPrincipal(caller), AuthzObject.Server("lakekeeper"), Relations.CanCreateProject, context.RequestAborted))
        {
            return ManagementErrors.Forbidden("Forbidden: can_create_project").ToResult();
        }

        var created = await projects.CreateAsync(new ProjectId(id), name, context.RequestAborted);
        audit.Change(caller, "create-project", "project:" + id, created is null ? "conflict" : "done");
        if (created is null)
        {
            return ManagementErrors.Conflict($"Project {id} already exists").ToResult();
        }

        await authorizer.WriteRelationshipsAsync(
            [new Relationship(AuthzSubject.Of(AuthzObject.Server("lakekeeper")), "server", AuthzObject.Project(id.ToString()))],
            context.RequestAborted);
        return new JsonResult(201, ManagementJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("project-id", id);
            w.WriteEndObject();
        }));
    }

    private static async Task<IResult> ListProjects(HttpContext context, ProjectRepository projects)
    {
        var list = await projects.ListAsync(context.RequestAborted);
        return new JsonResult(200, ManagementJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("projects");
            foreach (var project in list)
            {
                Describe(w, project);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private static async Task<IResult> GetProject(HttpContext context, ProjectRepository projects, Guid? explicitId)
    {
        if (!Resolve(context, explicitId, out var id))
        {
            return ManagementErrors.BadRequest($"{ProjectHeader} must be a UUID").ToResult();
        }

        var project = await projects.GetAsync(id, context.RequestAborted);
        return project is null
            ? ManagementErrors.NoSuchProject(id.Value).ToResult()
            : new JsonResult(200, ManagementJson.Write(w => Describe(w, project)));
    }

    private static async Task<IResult> DeleteProject(
        HttpContext context, ProjectRepository projects, IAuthorizer authorizer, ICallerAccessor callers, AuditLog audit, Guid? explicitId)
    {
        if (!Resolve(context, explicitId, out var id))
        {
            return ManagementErrors.BadRequest($"{ProjectHeader} must be a UUID").ToResult();
        }

        if (!await authorizer.CheckAsync(IdentityHttp.ToPrincipal(callers.Current), AuthzObject.Project(id.ToString()), Relations.CanDelete, context.RequestAborted))
        {
            return ManagementErrors.NoSuchProject(id.Value).ToResult();
        }

        var outcome = await projects.DeleteAsync(id, context.RequestAborted);
        audit.Change(callers.Current, "delete-project", "project:" + id, outcome.ToString());
        return outcome switch
        {
            ProjectDeleteOutcome.Deleted => TypedResults.NoContent(),
            ProjectDeleteOutcome.HasWarehouses => ManagementErrors.NotEmpty($"Project {id} still has warehouses; delete them first").ToResult(),
            _ => ManagementErrors.NoSuchProject(id.Value).ToResult(),
        };
    }

    private static bool Resolve(HttpContext context, Guid? explicitId, out ProjectId id)
    {
        if (explicitId is { } given)
        {
            id = new ProjectId(given);
            return true;
        }

        return TryCurrent(context, out id);
    }

    private static void Describe(Utf8JsonWriter w, ProjectRecord project)
    {
        w.WriteStartObject();
        w.WriteString("project-id", project.Id.Value);
        w.WriteString("project-name", project.Name);
        w.WriteEndObject();
    }
}
