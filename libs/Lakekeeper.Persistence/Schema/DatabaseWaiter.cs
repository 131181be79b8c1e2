using Lakekeeper.Abstractions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lakekeeper.Persistence.Schema;

/// <summary>Waits (bounded) for Postgres to accept connections, e.g. while a pod's database starts.</summary>
internal sealed partial class DatabaseWaiter(NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options, ILogger<DatabaseWaiter> logger)
{
    public async Task WaitUntilReachableAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(options.Value.StartupTimeoutSeconds);
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                LogWaiting(logger, ex.Message);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                var target = ConnectionStrings.ToNpgsql(options.Value.ConnectionString!);
                throw new FatalStartupException(
                    $"Cannot reach Postgres at {target.Host}:{target.Port} (database '{target.Database}') within {options.Value.StartupTimeoutSeconds}s: {ex.Message}. " +
                    "Check LAKEKEEPER__DATABASE__CONNECTIONSTRING and that the server is running.");
            }
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Waiting for Postgres: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}
