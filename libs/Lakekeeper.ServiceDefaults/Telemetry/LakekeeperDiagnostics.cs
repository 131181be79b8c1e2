using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>The activity source and meter our own code reports to.</summary>
public static class LakekeeperDiagnostics
{
    public const string Name = "Lakekeeper";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Sources we subscribe to: our own, ASP.NET Core, HttpClient and Npgsql emit natively.</summary>
    internal static readonly string[] TraceSources = [Name, Name + ".*", "Microsoft.AspNetCore", "System.Net.Http", "Npgsql"];

    internal static readonly string[] Meters =
        [Name, Name + ".*", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Npgsql"];
}
