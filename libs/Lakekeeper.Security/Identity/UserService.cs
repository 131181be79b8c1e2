using Lakekeeper.Persistence.Identity;
using Lakekeeper.Security.Audit;

namespace Lakekeeper.Security.Identity;

/// <summary>User writes made through the management API, each audited.</summary>
public sealed class UserService(UserRepository users, UserRegistrar registrar, AuditLog audit)
{
    public async Task<(UserWriteOutcome Outcome, UserRecord? User)> ProvisionAsync(
        Caller caller, UserId id, string name, string? email, UserType type, bool updateIfExists, CancellationToken cancellationToken)
    {
        var result = await users.ProvisionAsync(id, name, email, type, updateIfExists, cancellationToken);
        registrar.Forget(id);
        audit.Change(caller, "provision-user", "user:" + id, result.Outcome.ToString().ToLowerInvariant());
        return result;
    }

    public async Task<bool> ReplaceAsync(Caller caller, UserId id, string name, string? email, UserType type, CancellationToken cancellationToken)
    {
        var replaced = await users.ReplaceAsync(id, name, email, type, cancellationToken);
        registrar.Forget(id);
        audit.Change(caller, "update-user", "user:" + id, replaced ? "done" : "not-found");
        return replaced;
    }

    public async Task<bool> DeleteAsync(Caller caller, UserId id, CancellationToken cancellationToken)
    {
        var deleted = await users.DeleteAsync(id, cancellationToken);
        registrar.Forget(id);
        audit.Change(caller, "delete-user", "user:" + id, deleted ? "done" : "not-found");
        return deleted;
    }
}
