using System.Collections.Concurrent;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Security.Authentication;
using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.Security.Identity;

/// <summary>
/// The policy every <c>/catalog</c> and <c>/management</c> endpoint requires (and the fallback of
/// every endpoint that says nothing): with an identity provider configured, an authenticated
/// user; then the user is registered and <c>x-assume-role</c> checked, and the resulting
/// <see cref="Caller"/> is what <see cref="ICallerAccessor"/> returns for the rest of the request.
/// </summary>
public sealed class CallerRequirement : IAuthorizationRequirement
{
    public const string PolicyName = "lakekeeper-caller";
    public const string AssumeRoleHeader = "x-assume-role";
}

/// <summary>A refusal with its own status (400 for a malformed header, 403 for a role the user does not hold).</summary>
internal sealed class CallerRefusal(IAuthorizationHandler handler, ErrorResponse error) : AuthorizationFailureReason(handler, error.Message)
{
    public ErrorResponse Error { get; } = error;
}

internal sealed class CallerFeature(Caller caller)
{
    public Caller Caller { get; } = caller;
}

internal sealed class CallerAuthorizationHandler(
    AuthenticationSettings settings, UserRegistrar registrar, RoleRepository roles, TimeProvider time)
    : AuthorizationHandler<CallerRequirement>
{
    private static readonly TimeSpan RememberHeldRoleFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<(string User, Guid Role), DateTimeOffset> _held = new();

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, CallerRequirement requirement)
    {
        if (context.Resource is not HttpContext http)
        {
            return;
        }

        var assume = http.Request.Headers[CallerRequirement.AssumeRoleHeader];
        if (!settings.Enabled)
        {
            if (assume.Count > 0)
            {
                context.Fail(new CallerRefusal(this, new ErrorResponse(403, "ForbiddenException",
                    $"{CallerRequirement.AssumeRoleHeader} needs an authenticated user; this server runs without an identity provider")));
                return;
            }

            http.Features.Set(new CallerFeature(Caller.Anonymous));
            context.Succeed(requirement);
            return;
        }

        if (LakekeeperClaims.Read(context.User) is not { } user)
        {
            return; // not authenticated: the challenge answers 401
        }

        await registrar.EnsureAsync(user, http.RequestAborted);
        RoleId? assumed = null;
        if (assume.Count > 0)
        {
            if (assume.Count > 1 || !Guid.TryParse(assume[0], out var roleGuid))
            {
                context.Fail(new CallerRefusal(this, ErrorResponse.BadRequest($"{CallerRequirement.AssumeRoleHeader} must be one role id (a UUID)")));
                return;
            }

            if (!await HoldsAsync(user.Id, new RoleId(roleGuid), http.RequestAborted))
            {
                context.Fail(new CallerRefusal(this, new ErrorResponse(403, "ForbiddenException",
                    $"The caller may not assume role {roleGuid}: it is not a member of it")));
                return;
            }

            assumed = new RoleId(roleGuid);
        }

        var isInstanceAdmin = assumed is null && settings.InstanceAdmins.Contains(user.Id.Value);
        http.Features.Set(new CallerFeature(new Caller(user.Id, assumed, user.Name, user.Email, user.Type, isInstanceAdmin)));
        context.Succeed(requirement);
    }

    private async ValueTask<bool> HoldsAsync(UserId user, RoleId role, CancellationToken cancellationToken)
    {
        var key = (user.Value, role.Value);
        var now = time.GetUtcNow();
        if (_held.TryGetValue(key, out var until) && until > now)
        {
            return true;
        }

        if (!await roles.HoldsAsync(user, role, settings.MaxRoleNestingDepth + 1, cancellationToken))
        {
            return false;
        }

        if (_held.Count > 50_000)
        {
            _held.Clear();
        }

        _held[key] = now + RememberHeldRoleFor;
        return true;
    }
}

/// <summary>Writes a <see cref="CallerRefusal"/> in the error contract; everything else goes the usual way (challenge → 401, forbid → 403).</summary>
internal sealed class CallerResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Succeeded
            && authorizeResult.AuthorizationFailure?.FailureReasons.OfType<CallerRefusal>().FirstOrDefault() is { } refusal)
        {
            return refusal.Error.WriteAsync(context);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

internal sealed class CallerAccessor(IHttpContextAccessor http) : ICallerAccessor
{
    public Caller Current => http.HttpContext?.Features.Get<CallerFeature>()?.Caller ?? Caller.Anonymous;
}
