using System.Net;
using System.Net.Sockets;
using Lakekeeper.Deploy.Tests.Infrastructure;
using Lakekeeper.Testing;

namespace Lakekeeper.Deploy.Tests;

/// <summary>
/// Issue 14, defect 8 (the script half): <c>./lakekeeper up --topology microservices</c> reported
/// success with a dead service when one of its fixed ports was taken (the gateway then proxied to
/// whatever answered there). The services' ports are configurable
/// (<c>LAKEKEEPER_SERVICES_PORT</c>) and checked before anything is built or started; readiness
/// counts only the service's own live process on its port. The script
/// runs from a copy in a temporary folder, so its state (<c>.lakekeeper/</c>) is the test's own.
/// </summary>
public sealed class UpScriptPortTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lakekeeper-up-").FullName;

    public UpScriptPortTests() => File.Copy(Path.Combine(Repository.Root, "lakekeeper"), Path.Combine(_root, "lakekeeper"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(0, "catalog")]
    [InlineData(3, "authz")]
    [InlineData(4, "authz-grpc")]
    [InlineData(5, "events")]
    public async Task A_taken_service_port_stops_up_before_start_naming_the_service_and_the_setting(int offset, string service)
    {
        var (listener, port) = ListenOnFreeRange(6);
        using (listener)
        {
            using var taken = new TcpListener(IPAddress.Loopback, port + offset);
            listener.Stop();
            taken.Start();

            var result = await UpAsync(("LAKEKEEPER_SERVICES_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains($"port {port + offset} ({service}) is already in use", result.Output, StringComparison.Ordinal);
            Assert.Contains("LAKEKEEPER_SERVICES_PORT", result.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Checking the .NET SDK", result.Output, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(Path.Combine(_root, ".lakekeeper", "run"), "*.pid"));
        }
    }

    [Theory]
    [InlineData("abc", "is not a port number")]
    [InlineData("65533", "is not a valid port")]
    public async Task A_bad_base_is_refused(string value, string message)
    {
        var result = await UpAsync(("LAKEKEEPER_SERVICES_PORT", value));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_base_that_covers_the_public_port_is_refused()
    {
        var (listener, port) = ListenOnFreeRange(6);
        listener.Dispose();
        var result = await UpAsync(("LAKEKEEPER_SERVICES_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("LAKEKEEPER_PORT", (port + 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"port {port + 2} (management) is already in use", result.Output, StringComparison.Ordinal);
    }

    private Task<ExternalProcess.Result> UpAsync(params (string Key, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            // A public port nothing uses, metrics off: only the services' ports are under test.
            ["LAKEKEEPER_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LAKEKEEPER_METRICS_PORT"] = "0",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return ExternalProcess.RunAsync("bash", [Path.Combine(_root, "lakekeeper"), "up", "--topology", "microservices"], TimeSpan.FromSeconds(60),
            workingDirectory: _root, environment: environment);
    }

    /// <summary>A listener on the first of <paramref name="count"/> consecutive free ports (the rest checked free).</summary>
    private static (TcpListener Listener, int Port) ListenOnFreeRange(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (port + count <= 65535 && Enumerable.Range(port + 1, count - 1).All(IsFree))
            {
                return (listener, port);
            }

            listener.Stop();
        }

        throw new InvalidOperationException("no free port range");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
