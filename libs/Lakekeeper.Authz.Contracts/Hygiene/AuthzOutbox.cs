using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Authz.Hygiene;

/// <summary>
/// Tuple hygiene through a transactional outbox: a change records its tuples in its own transaction
/// (<see cref="AddAsync"/>), and after the commit the request delivers them before it answers
/// (<see cref="DeliverAsync"/>). When the authorizer is unavailable then, the change stays committed,
/// the tuples stay in the outbox and <see cref="AuthzOutboxWorker"/> delivers them within seconds of
/// its return. Delivery is in commit order, by one deliverer at a time, and idempotent (writes ignore
/// duplicates, deletes ignore missing tuples), so a retry never harms.
/// </summary>
public sealed partial class AuthzOutbox(AuthzOutboxRepository repository, IAuthorizer authorizer, ILogger<AuthzOutbox> logger) : IAuthzOutboxDelivery
{
    private const int PurgePage = 1000;

    /// <summary>Records <paramref name="changes"/> in the transaction of the change they follow.</summary>
    public static Task AddAsync(DbTransaction tx, TupleChanges changes, CancellationToken cancellationToken) =>
        AuthzOutboxRepository.AddAsync(tx, changes.ToRows(), cancellationToken);

    /// <summary>
    /// After the commit: delivers everything pending, this request's changes included (waiting for a
    /// deliverer already at work). A failure is logged and left to the worker; the change itself stands.
    /// </summary>
    public async Task DeliverAsync(CancellationToken cancellationToken)
    {
        try
        {
            await DeliverPendingAsync(wait: true, cancellationToken);
        }
        catch (Exception ex) when (ex is AuthorizerUnavailableException or Npgsql.NpgsqlException or TimeoutException)
        {
            LogDeferred(logger, ex.GetType().Name);
        }
    }

    /// <summary>
    /// For changes committed by code that owns its transaction (role memberships): records the tuples
    /// right after that commit and delivers them like <see cref="DeliverAsync"/>.
    /// </summary>
    public async Task RecordAndDeliverAsync(TupleChanges changes, CancellationToken cancellationToken)
    {
        await repository.AddAsync(changes.ToRows(), CancellationToken.None);
        await DeliverAsync(cancellationToken);
    }

    /// <returns>The rows delivered; -1 when another deliverer is at work and <paramref name="wait"/> is false.</returns>
    public Task<int> DeliverPendingAsync(bool wait, CancellationToken cancellationToken) =>
        repository.DrainAsync(ApplyAsync, wait, cancellationToken);

    private async Task ApplyAsync(AuthzTupleChanges changes, CancellationToken cancellationToken)
    {
        if (changes.Deletes.Count > 0)
        {
            await authorizer.DeleteRelationshipsAsync([.. changes.Deletes.Select(TupleChanges.FromRow)], cancellationToken);
        }

        foreach (var purge in changes.Purges)
        {
            var target = new AuthzObject(purge.Type, purge.Id);
            while (true)
            {
                // Deleting while paging would move the pages: read the first page until none is left.
                var page = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(target, PageSize: PurgePage), cancellationToken);
                if (page.Relationships.Count == 0)
                {
                    break;
                }

                await authorizer.DeleteRelationshipsAsync(page.Relationships, cancellationToken);
                if (page.NextPageToken is null && page.Relationships.Count < PurgePage)
                {
                    break;
                }
            }
        }

        if (changes.Writes.Count > 0)
        {
            await authorizer.WriteRelationshipsAsync([.. changes.Writes.Select(TupleChanges.FromRow)], cancellationToken);
        }
    }

    [LoggerMessage(EventId = 910, Level = LogLevel.Warning,
        Message = "Tuple changes of a committed change could not be delivered now ({Error}); the authz outbox worker retries them")]
    private static partial void LogDeferred(ILogger logger, string error);
}

/// <summary>Delivers what requests could not (the authorizer was unavailable, the process stopped): every 2 seconds.</summary>
internal sealed partial class AuthzOutboxWorker(AuthzOutbox outbox, ILogger<AuthzOutboxWorker> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await outbox.DeliverPendingAsync(wait: false, stoppingToken) > 0)
                {
                    LogCaughtUp(logger);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRetryFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 911, Level = LogLevel.Information, Message = "Delivered deferred tuple changes from the authz outbox")]
    private static partial void LogCaughtUp(ILogger logger);

    [LoggerMessage(EventId = 912, Level = LogLevel.Warning, Message = "The authz outbox could not be delivered ({Error}); retrying")]
    private static partial void LogRetryFailed(ILogger logger, string error);
}

public static class AuthzOutboxRegistration
{
    /// <summary>
    /// The authz outbox and its worker, for modules that change what tuples describe (catalog, management);
    /// also the invalidation of their check cache by the authz store's change notifications.
    /// </summary>
    public static IServiceCollection AddAuthzOutbox(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Remote.CheckCacheInvalidator>());
        services.TryAddSingleton<AuthzOutboxRepository>();
        services.TryAddSingleton<AuthzOutbox>();
        services.TryAddSingleton<IAuthzOutboxDelivery>(sp => sp.GetRequiredService<AuthzOutbox>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Lakekeeper.Abstractions.Hosting.IHostCommand, ReconcileCommand>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuthzOutboxWorker>());
        return services;
    }
}
