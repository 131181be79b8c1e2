using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Engines;

/// <summary>The backends <c>LAKEKEEPER__AUTHZ__BACKEND</c> may name, and how each engine is built.</summary>
internal static class AuthzBackends
{
    public const string AllowAll = "allowall";
    public const string Builtin = "builtin";
    public const string OpenFga = "openfga";

    public static IReadOnlyList<string> Available { get; } = [AllowAll, Builtin, OpenFga];

    /// <summary>Names reserved for engines that are designed but not built yet.</summary>
    public static IReadOnlyList<string> Planned { get; } = [];

    public static bool IsAvailable(string? name) => Available.Contains(Normalize(name));

    public static bool IsPlanned(string? name) => Planned.Contains(Normalize(name));

    public static IAuthorizationEngine Create(IServiceProvider services)
    {
        var backend = Normalize(services.GetRequiredService<IOptions<AuthzOptions>>().Value.Backend);
        return backend switch
        {
            AllowAll => ActivatorUtilities.CreateInstance<AllowAllEngine>(services),
            Builtin => ActivatorUtilities.CreateInstance<BuiltinEngine>(services),
            OpenFga => ActivatorUtilities.CreateInstance<OpenFgaEngine>(services),
            _ => throw new InvalidOperationException($"Authorization backend '{backend}' is not available."),
        };
    }

    private static string Normalize(string? name) => (name ?? string.Empty).Trim().ToLowerInvariant();
}
