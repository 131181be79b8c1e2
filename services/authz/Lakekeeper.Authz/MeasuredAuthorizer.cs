using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lakekeeper.Authz;

/// <summary>
/// The histogram <c>lakekeeper.authz.call.duration</c> (seconds) of calls a module makes to its
/// authorizer, tagged <c>method</c> (<c>Check</c>, <c>BatchCheck</c>, <c>ListObjects</c>,
/// <c>WriteRelationships</c>, <c>DeleteRelationships</c>, <c>ReadRelationships</c>) and
/// <c>outcome</c> (<c>ok</c>, <c>unavailable</c>, <c>invalid</c>, <c>cancelled</c>, <c>error</c>).
/// </summary>
internal sealed class AuthzMetrics
{
    /// <summary>Meter name; matched by the <c>Lakekeeper.*</c> meters that ServiceDefaults collects.</summary>
    public const string MeterName = "Lakekeeper.Authz";

    private static readonly double[] Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Histogram<double> _duration;

    public AuthzMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _duration = meters.Create(MeterName).CreateHistogram(
            "lakekeeper.authz.call.duration",
            unit: "s",
            description: "Duration of calls to the authorizer (the authz service in microservices, the engine in process in standalone)",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
    }

    public void Record(string method, long started, Exception? failure)
    {
        if (!_duration.Enabled)
        {
            return;
        }

        var outcome = failure switch
        {
            null => "ok",
            AuthorizerUnavailableException => "unavailable",
            ArgumentException => "invalid",
            OperationCanceledException => "cancelled",
            _ => "error",
        };
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new("method", method), new("outcome", outcome));
    }
}

/// <summary>Times each call to <paramref name="inner"/> into <see cref="AuthzMetrics"/>; answers and failures pass through unchanged.</summary>
internal sealed class MeasuredAuthorizer(IAuthorizer inner, AuthzMetrics metrics) : IAuthorizer
{
    /// <summary>The authorizer measured.</summary>
    public IAuthorizer Inner => inner;

    public async ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var allowed = await inner.CheckAsync(principal, target, relation, cancellationToken);
            metrics.Record("Check", started, null);
            return allowed;
        }
        catch (Exception ex)
        {
            metrics.Record("Check", started, ex);
            throw;
        }
    }

    public async ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var answers = await inner.BatchCheckAsync(principal, items, cancellationToken);
            metrics.Record("BatchCheck", started, null);
            return answers;
        }
        catch (Exception ex)
        {
            metrics.Record("BatchCheck", started, ex);
            throw;
        }
    }

    public async ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var objects = await inner.ListObjectsAsync(principal, objectType, relation, within, cancellationToken);
            metrics.Record("ListObjects", started, null);
            return objects;
        }
        catch (Exception ex)
        {
            metrics.Record("ListObjects", started, ex);
            throw;
        }
    }

    public async ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await inner.WriteRelationshipsAsync(relationships, cancellationToken);
            metrics.Record("WriteRelationships", started, null);
        }
        catch (Exception ex)
        {
            metrics.Record("WriteRelationships", started, ex);
            throw;
        }
    }

    public async ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await inner.DeleteRelationshipsAsync(relationships, cancellationToken);
            metrics.Record("DeleteRelationships", started, null);
        }
        catch (Exception ex)
        {
            metrics.Record("DeleteRelationships", started, ex);
            throw;
        }
    }

    public async ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var page = await inner.ReadRelationshipsAsync(query, cancellationToken);
            metrics.Record("ReadRelationships", started, null);
            return page;
        }
        catch (Exception ex)
        {
            metrics.Record("ReadRelationships", started, ex);
            throw;
        }
    }
}
