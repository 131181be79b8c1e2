using Microsoft.Extensions.Logging;

namespace Lakekeeper.Authz.Engines;

/// <summary>
/// <c>allowall</c>, Lakekeeper's default: every check is allowed and listings are unrestricted.
/// Grants are accepted and dropped, not enforced and not stored, so reads return nothing. For local
/// use and trusted single-tenant deployments only.
/// </summary>
internal sealed partial class AllowAllEngine(ILogger<AllowAllEngine> logger) : IAuthorizationEngine
{
    private static readonly ValueTask<bool> Allowed = new(true);

    public string Name => AuthzBackends.AllowAll;

    public ValueTask<bool> CheckAsync(Principal principal, CheckItem item, CancellationToken cancellationToken) => Allowed;

    public ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken)
    {
        var answers = new bool[items.Count];
        Array.Fill(answers, true);
        return new ValueTask<IReadOnlyList<bool>>(answers);
    }

    public ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within, CancellationToken cancellationToken) =>
        new(ObjectList.All);

    public ValueTask WriteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken)
    {
        LogIgnored(logger, "write", relationships.Count);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken)
    {
        LogIgnored(logger, "delete", relationships.Count);
        return ValueTask.CompletedTask;
    }

    public ValueTask<RelationshipPage> ReadAsync(RelationshipQuery query, CancellationToken cancellationToken) =>
        new(RelationshipPage.Empty);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "allowall: {Operation} of {Count} relationships accepted and not stored")]
    private static partial void LogIgnored(ILogger logger, string operation, int count);
}
