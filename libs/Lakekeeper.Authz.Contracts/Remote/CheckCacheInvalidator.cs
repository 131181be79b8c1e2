using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakekeeper.Authz.Remote;

/// <summary>
/// Bounds the check cache of a module that asks the authz service over gRPC: the builtin authorizer's
/// store announces every tuple change on commit (<c>NOTIFY lakekeeper_authz</c>, docs/authz.md), and this
/// process forgets every cached answer when it hears one. A grant or revoke therefore reaches the reads of
/// every replica as soon as Postgres delivers the notification; while the listening connection is down,
/// the time to live (<c>LAKEKEEPER__AUTHZ__CHECKCACHEMS</c>) is the bound. Catalog writes are never cached.
/// </summary>
internal sealed partial class CheckCacheInvalidator(IAuthorizer authorizer, NpgsqlDataSource dataSource, ILogger<CheckCacheInvalidator> logger)
    : BackgroundService
{
    internal const string Channel = "lakekeeper_authz";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (authorizer is not CheckCache cache)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => cache.Clear();
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Whatever changed while nobody listened.
                cache.Clear();
                while (!stoppingToken.IsCancellationRequested)
                {
                    // Wakes up to notice a silently broken connection.
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteNonQueryAsync(stoppingToken);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                cache.Clear();
                LogListenFailed(logger, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 913, Level = LogLevel.Warning,
        Message = "Not listening for authorization changes ({Error}); cached checks live out their time to live until the connection is back")]
    private static partial void LogListenFailed(ILogger logger, string error);
}
