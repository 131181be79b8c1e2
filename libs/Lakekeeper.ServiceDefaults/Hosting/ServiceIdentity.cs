using System.Reflection;

namespace Lakekeeper.ServiceDefaults.Hosting;

/// <summary>Which service this process is (<c>lakekeeper-catalog</c>, …) and its build version.</summary>
public sealed record ServiceIdentity(string Name, string Version)
{
    public static ServiceIdentity For(string service) =>
        new("lakekeeper-" + service, typeof(ServiceIdentity).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");
}
