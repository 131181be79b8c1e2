using Lakekeeper.Abstractions.Hosting;
using Microsoft.Extensions.Hosting;

namespace Lakekeeper.Persistence.Schema;

/// <summary>
/// Refuses to serve on a database whose schema is older than this build needs, and says which
/// command fixes it. Runs before the server starts accepting requests.
/// </summary>
internal sealed class SchemaGuard(SchemaMigrator migrator, DatabaseWaiter waiter) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await waiter.WaitUntilReachableAsync(cancellationToken);
        var status = await migrator.GetStatusAsync(cancellationToken);
        if (!status.IsCurrent)
        {
            throw new FatalStartupException(
                $"The database schema is at version {status.CurrentVersion}, but this build needs version {status.RequiredVersion}. " +
                "Run the 'migrate' command first (e.g. 'dotnet Lakekeeper.Standalone.dll migrate', the Helm migration job, or './lakekeeper up' which migrates for you).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
