using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Lakekeeper.Persistence.Schema;

/// <summary>Ready = Postgres answers within a second and its schema is current.</summary>
internal sealed class DatabaseReadyCheck(SchemaMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            var status = await migrator.GetStatusAsync(timeout.Token);
            return status.IsCurrent
                ? HealthCheckResult.Healthy($"schema version {status.CurrentVersion}")
                : HealthCheckResult.Unhealthy($"schema version {status.CurrentVersion} is older than {status.RequiredVersion}; run 'migrate'");
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
