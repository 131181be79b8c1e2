using Lakekeeper.Authz;
using Lakekeeper.Persistence;
using Lakekeeper.Security;
using Lakekeeper.Storage;
using Microsoft.AspNetCore.Builder;

namespace Lakekeeper.Signer;

public static class SignerRegistration
{
    /// <summary>
    /// The S3 signer module's dependencies: the shared database, warehouse storage and secrets, and
    /// the authorizer. The signing endpoints (<c>/catalog/v1/{prefix}/v1/aws/s3/sign</c>, …) arrive
    /// with the remote-signing issue; until then the gateway's sign routes reach this service and
    /// get the standard "no route" answer.
    /// </summary>
    public static WebApplicationBuilder AddSigner(this WebApplicationBuilder builder)
    {
        builder.Services.AddLakekeeperDatabase(builder.Configuration);
        builder.Services.AddLakekeeperStorage(builder.Configuration);
        builder.Services.AddSecretProtection(builder.Configuration);
        builder.AddLakekeeperAuthentication();
        builder.AddAuthz();
        return builder;
    }
}
