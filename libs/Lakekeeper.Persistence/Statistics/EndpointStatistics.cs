using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Lakekeeper.Abstractions.Statistics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Persistence.Statistics;

/// <summary>
/// Endpoint statistics settings at the root, as Lakekeeper names them:
/// <c>LAKEKEEPER__ENDPOINT_STAT_FLUSH_INTERVAL</c> (<c>30s</c>; also <c>500ms</c>, <c>2m</c>, <c>1h</c>)
/// and our <c>LAKEKEEPER__ENDPOINT_STATISTICS_ENABLED</c> (true).
/// </summary>
public sealed class EndpointStatisticsOptions : IValidatableObject
{
    public const string EnabledKey = "ENDPOINT_STATISTICS_ENABLED";
    public const string FlushIntervalKey = "ENDPOINT_STAT_FLUSH_INTERVAL";

    [ConfigurationKeyName(EnabledKey)]
    public bool Enabled { get; set; } = true;

    [ConfigurationKeyName(FlushIntervalKey)]
    public string FlushInterval { get; set; } = "30s";

    public TimeSpan FlushPeriod => TryParseDuration(FlushInterval, out var period) ? period : TimeSpan.FromSeconds(30);

    /// <summary>Whether counting is on, from the raw setting (decided while the host is built).</summary>
    public static bool IsOn(IConfiguration configuration) =>
        !bool.TryParse(configuration[EnabledKey], out var enabled) || enabled;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TryParseDuration(FlushInterval, out var period) || period < TimeSpan.FromMilliseconds(100) || period > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult(
                $"{Abstractions.Configuration.SettingNames.ToVariable(FlushIntervalKey)} must be a duration between 100ms and 1h, e.g. 30s");
        }
    }

    /// <summary><c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, or a .NET time span (<c>00:00:30</c>).</summary>
    public static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        // "ms" before "s" and "m": the first suffix that matches decides.
        (string Suffix, double Scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                && amount >= 0)
            {
                value = TimeSpan.FromMilliseconds(amount * scale);
                return true;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }
}

/// <summary>
/// Counts requests in memory (one dictionary increment on the request path, no I/O) and writes the
/// counts to <c>endpoint_statistics</c> every flush interval and at shutdown, off the request path. A
/// failed write keeps the counts for the next attempt; counts are lost only if the process dies.
/// </summary>
public sealed partial class EndpointStatisticsCounter(
    EndpointStatisticsRepository repository,
    IOptions<EndpointStatisticsOptions> options,
    IOptions<DefaultProjectOptions> defaultProject,
    TimeProvider time,
    ILogger<EndpointStatisticsCounter> logger) : BackgroundService, IEndpointCallCounter
{
    private readonly ConcurrentDictionary<Key, Counter> _counts = new();

    public void Count(string httpRoute, int statusCode, string? warehouse, string? project)
    {
        var key = new Key(
            Guid.TryParse(project, out var p) ? p : null,
            Guid.TryParse(warehouse, out var w) ? w : null,
            httpRoute, statusCode, time.GetUtcNow().UtcTicks / TimeSpan.TicksPerHour);
        var counter = _counts.GetOrAdd(key, static _ => new Counter());
        Interlocked.Increment(ref counter.Value);
    }

    /// <summary>Writes what was counted so far (also used by tests to avoid waiting for the interval).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var taken = new List<(Key Key, Counter Counter, long Count)>();
        foreach (var (key, counter) in _counts)
        {
            var count = Interlocked.Exchange(ref counter.Value, 0);
            if (count > 0)
            {
                taken.Add((key, counter, count));
            }
        }

        // Counters of past hours receive nothing new: drop the empty ones.
        var currentHour = time.GetUtcNow().UtcTicks / TimeSpan.TicksPerHour;
        foreach (var (key, counter) in _counts)
        {
            if (key.Hour < currentHour - 1 && Volatile.Read(ref counter.Value) == 0)
            {
                _counts.TryRemove(new KeyValuePair<Key, Counter>(key, counter));
            }
        }

        if (taken.Count == 0)
        {
            return;
        }

        try
        {
            await repository.AddAsync(
                [.. taken.Select(t => new EndpointCount(t.Key.Project, t.Key.Warehouse, t.Key.HttpRoute, t.Key.StatusCode,
                    new DateTimeOffset((t.Key.Hour + 1) * TimeSpan.TicksPerHour, TimeSpan.Zero), t.Count))],
                defaultProject.Value.ProjectId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Put the counts back; the next flush tries again.
            foreach (var (key, _, count) in taken)
            {
                Interlocked.Add(ref _counts.GetOrAdd(key, static _ => new Counter()).Value, count);
            }

            LogFlushFailed(logger, ex, taken.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the final flush follows in StopAsync.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing endpoint statistics failed ({Combinations} combinations kept for the next attempt)")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int combinations);

    private readonly record struct Key(Guid? Project, Guid? Warehouse, string HttpRoute, int StatusCode, long Hour);

    private sealed class Counter
    {
        public long Value;
    }
}
