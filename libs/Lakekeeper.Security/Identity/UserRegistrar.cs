using System.Collections.Concurrent;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Security.Authentication;

namespace Lakekeeper.Security.Identity;

/// <summary>
/// Registers the users of authenticated requests on their first call (name and email from the
/// token) and applies the roles their token's roles claim names. Remembered per process for a
/// minute, so a steady caller costs no database round trip; a changed name, email or roles claim
/// is written at once. Memberships the claim adds or removes become assignee tuples through the
/// authz outbox, delivered before the request goes on (where this process runs the outbox).
/// </summary>
public sealed class UserRegistrar(
    UserRepository users, RoleService roles, AuthenticationSettings settings, TimeProvider time, IEnumerable<IAuthzOutboxDelivery> outbox)
{
    private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(1);
    private const int MaxRemembered = 50_000;

    private readonly ConcurrentDictionary<string, (string Fingerprint, DateTimeOffset Until)> _seen = new(StringComparer.Ordinal);

    public async ValueTask EnsureAsync(AuthenticatedUser user, CancellationToken cancellationToken)
    {
        var fingerprint = Fingerprint(user);
        var now = time.GetUtcNow();
        if (_seen.TryGetValue(user.Id.Value, out var seen) && seen.Until > now && seen.Fingerprint == fingerprint)
        {
            return;
        }

        await users.RegisterAsync(user.Id, user.Name, user.Email, user.Type, cancellationToken);
        if (settings.Providers.FirstOrDefault(p => p.Id == user.ProviderId)?.RolesClaim is not null)
        {
            if (await roles.SyncTokenRolesAsync(user, cancellationToken))
            {
                foreach (var delivery in outbox)
                {
                    // Delivery failures are logged and left to the outbox worker; the request goes on.
                    await delivery.DeliverAsync(cancellationToken);
                }
            }
        }

        if (_seen.Count >= MaxRemembered)
        {
            _seen.Clear();
        }

        _seen[user.Id.Value] = (fingerprint, now + RememberFor);
    }

    /// <summary>Forgets a user (deleted or re-provisioned), so its next call registers it again.</summary>
    public void Forget(UserId id) => _seen.TryRemove(id.Value, out _);

    private static string Fingerprint(AuthenticatedUser user) =>
        string.Join('\u001f', [user.Name, user.Email ?? string.Empty, UserRepository.TypeName(user.Type), .. user.TokenRoles.Order(StringComparer.Ordinal)]);
}
