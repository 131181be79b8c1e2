using Lakekeeper.Security.Identity;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Security.Audit;

/// <summary>
/// One structured line per authentication failure and per management change, under the logger
/// category <c>Lakekeeper.Audit</c> with <c>EventSource=audit</c> and the actor (Lakekeeper's
/// <c>anonymous</c>, <c>principal</c>, <c>assumed-role</c>). Never a token, a secret or a request
/// body: reasons name what failed, not what was sent.
/// </summary>
public sealed partial class AuditLog(ILoggerFactory loggers)
{
    private const string Source = "audit";
    private readonly ILogger _logger = loggers.CreateLogger("Lakekeeper.Audit");

    public void AuthenticationFailed(int status, string reason, string? provider, string method, string path, string? remoteAddress) =>
        LogAuthenticationFailed(_logger, Source, status, reason, provider ?? "-", method, path, remoteAddress ?? "-");

    /// <summary>A management change (or a refused attempt): <paramref name="action"/> on <paramref name="target"/> by the caller.</summary>
    public void Change(Caller caller, string action, string target, string outcome) =>
        LogChange(_logger, Source, action, target, outcome, caller.ActorName, caller.UserId?.Value ?? "-", caller.AssumedRole?.ToString() ?? "-");

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, EventName = "AuthenticationFailed",
        Message = "{EventSource}: authentication failed ({Status}): {Reason}; provider {Provider}; {Method} {Path} from {RemoteAddress}")]
    private static partial void LogAuthenticationFailed(
        ILogger logger, string eventSource, int status, string reason, string provider, string method, string path, string remoteAddress);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, EventName = "ManagementChange",
        Message = "{EventSource}: {Action} {Target}: {Outcome} by {ActorType} {Principal} (assumed role {AssumedRole})")]
    private static partial void LogChange(
        ILogger logger, string eventSource, string action, string target, string outcome, string actorType, string principal, string assumedRole);
}
