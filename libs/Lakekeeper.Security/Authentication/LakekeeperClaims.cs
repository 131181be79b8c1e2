using System.Security.Claims;
using Lakekeeper.Persistence.Identity;

namespace Lakekeeper.Security.Authentication;

/// <summary>
/// The identity an authentication scheme produced, as claims of a <see cref="ClaimsIdentity"/> of
/// type <see cref="AuthenticationType"/>: the provider-independent view of a validated token.
/// </summary>
public static class LakekeeperClaims
{
    public const string AuthenticationType = "Lakekeeper";
    public const string UserId = "lakekeeper:user-id";
    public const string Provider = "lakekeeper:provider";
    public const string Name = "lakekeeper:name";
    public const string Email = "lakekeeper:email";
    public const string UserType = "lakekeeper:user-type";
    public const string Role = "lakekeeper:role";

    public static ClaimsPrincipal Create(AuthenticatedUser user)
    {
        var identity = new ClaimsIdentity(AuthenticationType, UserId, Role);
        identity.AddClaim(new Claim(UserId, user.Id.Value));
        identity.AddClaim(new Claim(Provider, user.ProviderId));
        identity.AddClaim(new Claim(Name, user.Name));
        if (user.Email is not null)
        {
            identity.AddClaim(new Claim(Email, user.Email));
        }

        identity.AddClaim(new Claim(UserType, Persistence.Identity.UserRepository.TypeName(user.Type)));
        foreach (var role in user.TokenRoles)
        {
            identity.AddClaim(new Claim(Role, role));
        }

        return new ClaimsPrincipal(identity);
    }

    /// <summary>The user a principal made by <see cref="Create"/> stands for; null for any other principal.</summary>
    public static AuthenticatedUser? Read(ClaimsPrincipal? principal)
    {
        var identity = principal?.Identities.FirstOrDefault(i => i.AuthenticationType == AuthenticationType && i.IsAuthenticated);
        if (identity?.FindFirst(UserId)?.Value is not { } id || identity.FindFirst(Provider)?.Value is not { } provider)
        {
            return null;
        }

        return new AuthenticatedUser(
            new UserId(id),
            provider,
            identity.FindFirst(Name)?.Value ?? id,
            identity.FindFirst(Email)?.Value,
            Persistence.Identity.UserRepository.ParseType(identity.FindFirst(UserType)?.Value ?? "human"),
            identity.FindAll(Role).Select(c => c.Value).ToArray());
    }
}

/// <summary>A validated token's user: id, display name, email, type and the roles its roles claim names.</summary>
public sealed record AuthenticatedUser(UserId Id, string ProviderId, string Name, string? Email, UserType Type, IReadOnlyList<string> TokenRoles);
