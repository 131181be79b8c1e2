using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Authz;

/// <summary>
/// What the authz service needs from the <c>Server</c> section: the internal port it serves gRPC on
/// (<c>LAKEKEEPER__SERVER__INTERNALPORT</c>).
/// </summary>
internal sealed class AuthzServerSettings
{
    [Required]
    [Range(0, 65535)]
    public int? InternalPort { get; set; }
}
