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

    // Arguments travel in a tuple to static lambdas: no closure is allocated per call.
    public ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default) =>
        MeasureAsync("Check", (inner, principal, target, relation, cancellationToken),
            static a => a.inner.CheckAsync(a.principal, a.target, a.relation, a.cancellationToken));

    public ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default) =>
        MeasureAsync("BatchCheck", (inner, principal, items, cancellationToken),
            static a => a.inner.BatchCheckAsync(a.principal, a.items, a.cancellationToken));

    public ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default) =>
        MeasureAsync("ListObjects", (inner, principal, objectType, relation, within, cancellationToken),
            static a => a.inner.ListObjectsAsync(a.principal, a.objectType, a.relation, a.within, a.cancellationToken));

    public async ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) =>
        await MeasureAsync("WriteRelationships", (inner, relationships, cancellationToken), static async a =>
        {
            await a.inner.WriteRelationshipsAsync(a.relationships, a.cancellationToken);
            return true;
        });

    public async ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) =>
        await MeasureAsync("DeleteRelationships", (inner, relationships, cancellationToken), static async a =>
        {
            await a.inner.DeleteRelationshipsAsync(a.relationships, a.cancellationToken);
            return true;
        });

    public ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default) =>
        MeasureAsync("ReadRelationships", (inner, query, cancellationToken),
            static a => a.inner.ReadRelationshipsAsync(a.query, a.cancellationToken));

    private async ValueTask<TResult> MeasureAsync<TArguments, TResult>(string method, TArguments arguments, Func<TArguments, ValueTask<TResult>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call(arguments);
            metrics.Record(method, started, null);
            return result;
        }
        catch (Exception ex)
        {
            metrics.Record(method, started, ex);
            throw;
        }
    }
}
