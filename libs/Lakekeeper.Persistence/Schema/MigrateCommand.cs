using Lakekeeper.Abstractions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Persistence.Schema;

/// <summary><c>migrate</c>: brings the database schema to the version this build needs.</summary>
internal sealed class MigrateCommand : IHostCommand
{
    public string Name => "migrate";

    public string Description => "apply pending database schema migrations and exit";

    public async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var migrator = services.GetRequiredService<SchemaMigrator>();
        var waiter = services.GetRequiredService<DatabaseWaiter>();
        await waiter.WaitUntilReachableAsync(cancellationToken);
        var applied = await migrator.MigrateAsync(cancellationToken);
        Console.WriteLine(applied.Count == 0
            ? $"Database schema is current (version {EmbeddedMigrations.LatestVersion})."
            : $"Applied {applied.Count} migration(s); schema is at version {EmbeddedMigrations.LatestVersion}.");
        return 0;
    }
}
