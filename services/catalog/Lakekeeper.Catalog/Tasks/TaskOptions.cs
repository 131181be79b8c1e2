using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Lakekeeper.Catalog.Tasks;

/// <summary>
/// The background task workers of this process, with Lakekeeper's setting names at the root:
/// <c>LAKEKEEPER__TASK_POLL_INTERVAL</c> and <c>LAKEKEEPER__TASK_&lt;QUEUE&gt;_WORKERS</c>.
/// </summary>
public sealed class TaskOptions : IValidatableObject
{
    public const string PollIntervalKey = "TASK_POLL_INTERVAL";

    /// <summary>How long an idle worker waits before it looks for due tasks again: <c>500ms</c>, <c>2s</c>, <c>1m</c> or seconds.</summary>
    [ConfigurationKeyName(PollIntervalKey)]
    public string? PollInterval { get; set; }

    /// <summary>Workers of the <c>soft_deletion</c> queue in this process (0: none).</summary>
    [ConfigurationKeyName("TASK_SOFT_DELETION_WORKERS")]
    [Range(0, 64)]
    public int? SoftDeletionWorkers { get; set; }

    /// <summary>Lakekeeper's earlier name of <see cref="SoftDeletionWorkers"/>.</summary>
    [ConfigurationKeyName("TASK_TABULAR_EXPIRATION_WORKERS")]
    [Range(0, 64)]
    public int? TabularExpirationWorkers { get; set; }

    [ConfigurationKeyName("TASK_TABULAR_PURGE_WORKERS")]
    [Range(0, 64)]
    public int TabularPurgeWorkers { get; set; } = 2;

    [ConfigurationKeyName("TASK_LOG_CLEANUP_WORKERS")]
    [Range(0, 64)]
    public int LogCleanupWorkers { get; set; } = 1;

    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(2);

    public TimeSpan EffectivePollInterval => TryParseDuration(PollInterval, out var interval) ? interval : DefaultPollInterval;

    public int EffectiveSoftDeletionWorkers => SoftDeletionWorkers ?? TabularExpirationWorkers ?? 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PollInterval is { Length: > 0 } && (!TryParseDuration(PollInterval, out var interval) || interval < TimeSpan.FromMilliseconds(10) || interval > TimeSpan.FromHours(1)))
        {
            yield return new ValidationResult(
                "must be a duration between 10ms and 1h: a number of seconds or a number with ms, s, m or h (e.g. 500ms, 10s)", [nameof(PollInterval)]);
        }
    }

    /// <summary>Lakekeeper's duration format: <c>250ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, or a bare number of seconds.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60.0)
            : text.EndsWith('h') || text.EndsWith('H') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }
}
