using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Management;

/// <summary><c>POST /bootstrap</c> (once) and <c>GET /info</c>.</summary>
internal static class ServerApi
{
    public static void MapServerApi(this RouteGroupBuilder management)
    {
        management.MapPost("/bootstrap", Bootstrap);
        management.MapGet("/info", Info);
    }

    /// <summary>
    /// Once: records the server id, creates the default project and makes the calling user the
    /// server's admin (or operator, with <c>is-operator</c>); <c>user-name</c>, <c>user-email</c>
    /// and <c>user-type</c> override what the token says about the user.
    /// </summary>
    private static async Task<IResult> Bootstrap(
        HttpContext context, ServerRepository server, ICallerAccessor callers, UserService users, IAuthorizer authorizer, AuditLog audit)
    {
        var (body, error) = await IdentityHttp.ReadAsync(context.Request, IdentityJson.Default.BootstrapRequest);
        if (body is null)
        {
            return error!;
        }

        if (body.AcceptTermsOfUse is not true)
        {
            return ManagementErrors.BadRequest("accept-terms-of-use must be true").ToResult();
        }

        var caller = callers.Current;
        if (!IdentityHttp.TryUserType(body.UserType, caller.UserType, out var userType))
        {
            return ManagementErrors.BadRequest("user-type must be 'human' or 'application'").ToResult();
        }

        if (body.UserName is { Length: 0 or > 512 } || body.UserName?.Any(char.IsControl) == true || body.UserEmail is { Length: > 512 })
        {
            return ManagementErrors.BadRequest("user-name must be 1 to 512 characters and user-email at most 512, without control characters").ToResult();
        }

        var role = body.IsOperator is true ? "operator" : "admin";
        var bootstrapped = await server.BootstrapAsync(Guid.CreateVersion7(), "Default Project", caller.UserId?.Value, caller.IsAnonymous ? null : role, context.RequestAborted);
        if (!bootstrapped)
        {
            // A bootstrap whose authorizer write failed (503) is completed when its user retries.
            if (caller.UserId is { } retrying && await server.GetAsync(context.RequestAborted) is { BootstrappedBy: { } by, BootstrappedAs: { } kind } && by == retrying.Value)
            {
                await authorizer.WriteRelationshipsAsync(
                    [new Relationship(AuthzSubject.User(by), kind, AuthzObject.Server(IdentityActions.ServerId))], context.RequestAborted);
            }

            audit.Change(caller, "bootstrap", "server", "refused: already bootstrapped");
            return new Lakekeeper.Abstractions.Errors.ErrorResponse(409, "AlreadyBootstrappedException", "The server is already bootstrapped").ToResult();
        }

        if (caller.UserId is { } user)
        {
            if (body.UserName is not null || body.UserEmail is not null || body.UserType is not null)
            {
                await users.ProvisionAsync(caller, user, body.UserName ?? caller.Name ?? user.Value, body.UserEmail ?? caller.Email, userType, updateIfExists: true, context.RequestAborted);
            }

            await authorizer.WriteRelationshipsAsync(
                [new Relationship(AuthzSubject.User(user.Value), role, AuthzObject.Server(IdentityActions.ServerId))], context.RequestAborted);
        }

        audit.Change(caller, "bootstrap", "server", caller.IsAnonymous ? "done (anonymous: no admin recorded)" : "done as " + role);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Info(HttpContext context, ServerRepository server, ServiceIdentity identity, IOptions<AuthzOptions> authz)
    {
        var record = await server.GetAsync(context.RequestAborted);
        return new JsonResult(200, ManagementJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("version", identity.Version);
            w.WriteBoolean("bootstrapped", record is not null);
            if (record is null)
            {
                w.WriteNull("server-id");
            }
            else
            {
                w.WriteString("server-id", record.ServerId);
            }

            w.WriteString("default-project-id", ProjectId.Default.Value);
            w.WriteString("authz-backend", authz.Value.Backend);
            w.WriteEndObject();
        }));
    }
}
