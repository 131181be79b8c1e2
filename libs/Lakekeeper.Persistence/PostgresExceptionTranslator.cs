using Lakekeeper.Abstractions.Errors;
using Npgsql;

namespace Lakekeeper.Persistence;

/// <summary>
/// Database trouble that a retry can fix (connection lost, server shutting down, too many
/// connections, serialization failure, deadlock) is a 503 with <c>Retry-After</c>, never a 500.
/// Decided by SQLSTATE, never by message text.
/// </summary>
internal sealed class PostgresExceptionTranslator : IExceptionTranslator
{
    public ErrorResponse? Translate(Exception exception) => exception switch
    {
        // The change may have landed: the Iceberg type tells clients not to clean up, Retry-After when to look.
        CommitOutcomeUnknownException => new ErrorResponse(503, "CommitStateUnknownException",
            "The outcome is unknown: the database connection failed while committing. Reload before retrying.") { RetryAfterSeconds = 1 },
        PostgresException pg when IsRetryable(pg.SqlState) => ErrorResponse.Unavailable("The database is temporarily unavailable; retry the request."),
        NpgsqlException { IsTransient: true } => ErrorResponse.Unavailable("The database is temporarily unavailable; retry the request."),
        NpgsqlException { InnerException: TimeoutException or System.IO.IOException or System.Net.Sockets.SocketException } =>
            ErrorResponse.Unavailable("The database is temporarily unavailable; retry the request."),
        _ => null,
    };

    internal static bool IsRetryable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled;
}
