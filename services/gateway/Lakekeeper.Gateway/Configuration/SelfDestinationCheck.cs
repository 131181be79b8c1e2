using System.Net;
using System.Net.NetworkInformation;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Gateway.Configuration;

/// <summary>
/// Refuses a destination that is the gateway itself: this host (loopback, <c>localhost</c>, the host
/// name or one of its addresses) on the gateway's own listen port. Forwarding there would send every
/// request around in a circle. Names that only DNS can resolve to this host are caught at run time by
/// the <c>Via</c> loop guard instead.
/// </summary>
internal sealed class SelfDestinationCheck(IOptions<ServerOptions> server) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ServerOptions listen;
        try
        {
            listen = server.Value;
        }
        catch (OptionsValidationException)
        {
            // The server settings report their own problem.
            return ValidateOptionsResult.Skip;
        }

        if (listen.ListenPort == 0)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        foreach (var (clusterId, cluster) in options.Clusters)
        {
            foreach (var (destinationName, destination) in cluster.Destinations)
            {
                if (GatewayOptionsValidator.TryParseAddress(destination.Address, out var address)
                    && address.Port == listen.ListenPort
                    && IsThisHost(address, listen.BindAddress))
                {
                    var variable = SettingNames.ToVariable(GatewayOptions.Section, $"Clusters:{clusterId}:Destinations:{destinationName}:Address");
                    failures.Add($"{variable}: is this gateway itself (port {listen.ListenPort} on this host); point it at the {clusterId} service");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Whether a connection to <paramref name="address"/>'s host would reach a socket bound to <paramref name="bindAddress"/> here.</summary>
    internal static bool IsThisHost(Uri address, string bindAddress)
    {
        var host = address.IdnHost;
        var isLocalName = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || string.Equals(host, Dns.GetHostName(), StringComparison.OrdinalIgnoreCase);
        IPAddress.TryParse(host, out var ip);
        var bind = bindAddress == "localhost" ? IPAddress.Loopback : IPAddress.Parse(bindAddress);
        if (bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any))
        {
            // Listening on every interface: any address of this host reaches the gateway.
            return isLocalName || (ip is not null && (IPAddress.IsLoopback(ip) || IsUnspecified(ip) || LocalAddresses().Contains(ip)));
        }

        if (IPAddress.IsLoopback(bind))
        {
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (ip is not null && IPAddress.IsLoopback(ip));
        }

        return ip is not null && ip.Equals(bind);
    }

    private static bool IsUnspecified(IPAddress ip) => ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);

    private static HashSet<IPAddress> LocalAddresses()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var network in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in network.GetIPProperties().UnicastAddresses)
                {
                    addresses.Add(unicast.Address);
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list (restricted sandbox): loopback and names are still checked.
        }

        return addresses;
    }
}
