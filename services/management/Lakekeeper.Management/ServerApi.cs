using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Identity;
using Lakekeeper.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Management;

/// <summary><c>POST /bootstrap</c> (once) and <c>GET /info</c>.</summary>
internal static class ServerApi
{
    public static void MapServerApi(this RouteGroupBuilder management)
    {
        management.MapPost("/bootstrap", Bootstrap)
            .Accepts<Identity.BootstrapRequest>("application/json")
            .WithTags("server").WithName("bootstrap").WithSummary("Bootstrap the server (once): records its id and creates the default project");
        management.MapGet("/info", Info)
            .WithTags("server").WithName("get_server_info").WithSummary("Server information");
    }

    /// <summary>
    /// Once: records the server id, creates the default project (when enabled) and makes the calling
    /// user the server's admin (or operator, with <c>is-operator</c>); <c>user-name</c>,
    /// <c>user-email</c> and <c>user-type</c> override what the token says about the user.
    /// </summary>
    private static async Task<Results<NoContent, ApiError>> Bootstrap(
        HttpContext context, ServerRepository server, ICallerAccessor callers, UserService users, IAuthorizer authorizer, AuthzOutbox outbox, AuditLog audit,
        IOptions<DefaultProjectOptions> defaultProject)
    {
        var (body, error) = await ManagementHttp.ReadAsync(context.Request, ManagementJsonContext.Default.BootstrapRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.AcceptTermsOfUse is not true)
        {
            return ManagementErrors.BadRequest("accept-terms-of-use must be true");
        }

        var caller = callers.Current;
        if (!IdentityHttp.TryUserType(body.UserType, caller.UserType, out var userType))
        {
            return ManagementErrors.BadRequest("user-type must be 'human' or 'application'");
        }

        if (body.UserName is { Length: 0 or > 512 } || body.UserName?.Any(char.IsControl) == true || body.UserEmail is { Length: > 512 })
        {
            return ManagementErrors.BadRequest("user-name must be 1 to 512 characters and user-email at most 512, without control characters");
        }

        var role = body.IsOperator is true ? "operator" : "admin";
        var project = defaultProject.Value;
        // The bootstrapping user becomes the server's admin (or operator) and project admin of the default
        // project (when there is one), which hangs below the server (docs/authz.md); recorded with the bootstrap itself.
        var principal = IdentityHttp.ToPrincipal(caller) with { AssumedRoleId = null };
        var serverObject = AuthzObject.Server(IdentityActions.ServerId);
        var tuples = new TupleChanges().Own(serverObject, principal, role);
        if (project.Enabled)
        {
            var defaultProjectObject = AuthzObject.Project(project.ProjectId.Value.ToString());
            tuples.Write(AuthzHierarchy.Link(defaultProjectObject, serverObject)).Own(defaultProjectObject, principal, "project_admin");
        }

        var bootstrapped = await server.BootstrapAsync(
            Guid.CreateVersion7(), "Default Project", project.Enabled ? project.ProjectId : null, caller.UserId?.Value, caller.IsAnonymous ? null : role, context.RequestAborted,
            tuples.ToRows());
        if (!bootstrapped)
        {
            // A bootstrap whose authorizer write failed (503) is completed when its user retries.
            if (caller.UserId is { } retrying && await server.GetAsync(context.RequestAborted) is { BootstrappedBy: { } by, BootstrappedAs: { } kind } && by == retrying.Value)
            {
                await authorizer.WriteRelationshipsAsync(
                    [new Relationship(AuthzSubject.User(by), kind, AuthzObject.Server(IdentityActions.ServerId))], context.RequestAborted);
            }

            audit.Change(caller, "bootstrap", "server", "refused: already bootstrapped");
            return new ApiError(new ErrorResponse(409, "AlreadyBootstrappedException", "The server is already bootstrapped"));
        }

        if (caller.UserId is { } user)
        {
            if (body.UserName is not null || body.UserEmail is not null || body.UserType is not null)
            {
                await users.ProvisionAsync(caller, user, body.UserName ?? caller.Name ?? user.Value, body.UserEmail ?? caller.Email, userType, updateIfExists: true, context.RequestAborted);
            }
        }

        await outbox.DeliverAsync(context.RequestAborted);

        audit.Change(caller, "bootstrap", "server", caller.IsAnonymous ? "done (anonymous: no admin recorded)" : "done as " + role);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ServerInfo>> Info(
        HttpContext context, ServerRepository server, ServiceIdentity identity, IOptions<AuthzOptions> authz, IOptions<DefaultProjectOptions> defaultProject)
    {
        var record = await server.GetAsync(context.RequestAborted);
        var (version, commit) = SplitVersion(identity.Version);
        var project = defaultProject.Value;
        return TypedResults.Ok(new ServerInfo(
            version, version, commit, record is not null, record?.ServerId,
            project.Enabled ? project.Id.ToString() : null,
            authz.Value.Backend,
            AwsSystemIdentitiesEnabled: false, AzureSystemIdentitiesEnabled: false, GcpSystemIdentitiesEnabled: false,
            TaskQueues.Registered,
            new LicenseStatus("Apache-2.0", Valid: true)));
    }

    /// <summary><c>1.2.0+0123abcd…</c> (the informational version) → <c>1.2.0</c> and the commit.</summary>
    internal static (string Version, string? Commit) SplitVersion(string informational)
    {
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, null) : (informational[..plus], informational[(plus + 1)..]);
    }
}
