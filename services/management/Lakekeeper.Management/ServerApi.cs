using Lakekeeper.Authz;
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

    private static async Task<IResult> Bootstrap(HttpContext context, ServerRepository server)
    {
        var body = await ManagementJson.ReadBodyAsync(context.Request);
        using var document = ManagementJson.TryParse(body, out var error);
        if (document is null)
        {
            return ManagementErrors.BadRequest(error!).ToResult();
        }

        if (!document.RootElement.TryGetProperty("accept-terms-of-use", out var accept) || accept.ValueKind != System.Text.Json.JsonValueKind.True)
        {
            return ManagementErrors.BadRequest("accept-terms-of-use must be true").ToResult();
        }

        var bootstrapped = await server.BootstrapAsync(Guid.CreateVersion7(), "Default Project", context.RequestAborted);
        return bootstrapped
            ? TypedResults.NoContent()
            : new Lakekeeper.Abstractions.Errors.ErrorResponse(409, "AlreadyBootstrappedException", "The server is already bootstrapped").ToResult();
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
