using System.ComponentModel.DataAnnotations;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.Telemetry;

/// <summary>
/// The Prometheus endpoint: <c>GET /metrics</c> on a port of its own, <c>LAKEKEEPER__METRICS_PORT</c>
/// (Lakekeeper's name and default, 9000), and nothing else on that port. 0 turns it off. Unset while
/// <c>LAKEKEEPER__SERVER__LISTENPORT</c> is 0 (a free port, as tests run hosts) it is off too, so that
/// hosts started that way never compete for 9000.
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>The configuration key, at the root: <c>LAKEKEEPER__METRICS_PORT</c>.</summary>
    public const string PortKey = "METRICS_PORT";

    public const int DefaultPort = 9000;

    [ConfigurationKeyName(PortKey)]
    [Range(0, 65535)]
    public int? Port { get; set; }

    /// <summary>The port served, 0 for none.</summary>
    public int EffectivePort(ServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Port ?? (server.ListenPort == 0 ? 0 : DefaultPort);
    }

    /// <summary>
    /// The same decision from raw settings, while the host is being built (before settings are
    /// validated). A value that does not parse counts as on: validation reports it at start.
    /// </summary>
    internal static bool IsOn(IConfiguration configuration)
    {
        if (configuration[PortKey] is { } raw)
        {
            return !int.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var port) || port != 0;
        }

        var listen = configuration[ServerOptions.Section + ":" + nameof(ServerOptions.ListenPort)];
        return listen is null || !int.TryParse(listen, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var listenPort) || listenPort != 0;
    }
}

/// <summary>The metrics port must not be the public or the internal port (it serves only <c>/metrics</c>).</summary>
internal sealed class MetricsPortValidator(IOptions<ServerOptions> server) : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        ServerOptions ports;
        try
        {
            ports = server.Value;
        }
        catch (OptionsValidationException)
        {
            // The server settings' own failures are reported with them.
            return ValidateOptionsResult.Skip;
        }

        var port = options.EffectivePort(ports);
        if (port != 0 && (port == ports.ListenPort || port == ports.InternalPort))
        {
            return ValidateOptionsResult.Fail(
                $"{SettingNames.ToVariable(MetricsOptions.PortKey)} ({port}) must differ from {SettingNames.ToVariable(ServerOptions.Section, nameof(ServerOptions.ListenPort))} and {SettingNames.ToVariable(ServerOptions.Section, nameof(ServerOptions.InternalPort))}; 0 turns the metrics endpoint off");
        }

        return ValidateOptionsResult.Success;
    }
}
