using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>
/// The activity source and meter our own code reports to. Sources and meters named <c>Lakekeeper</c>
/// or <c>Lakekeeper.*</c> are collected (see <see cref="TelemetryRegistration"/>).
/// </summary>
public static class LakekeeperDiagnostics
{
    public const string Name = "Lakekeeper";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Bucket boundaries, in seconds, for durations of calls to other services and the database.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}
