using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Lakekeeper.Deploy.Tests.Infrastructure;
using Lakekeeper.Testing;
using Npgsql;
using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Deploy.Tests;

/// <summary>
/// `helm install` then `helm test`, played on this machine without Kubernetes: the rendered migrate
/// Job, then every rendered Deployment, then the test pod's containers, each run through the image's
/// entry point script with exactly the rendered args and environment (ConfigMap, plain env and
/// resolved secret references). Only what Kubernetes would provide is substituted: Service names
/// become loopback ports, the Postgres host becomes a real Postgres on loopback, and each pod's
/// ports become free ports (all pods share one network namespace here). Kubernetes itself (scheduling,
/// NetworkPolicy enforcement, probes by the kubelet) is not exercised: docs/deployment.md.
/// </summary>
public sealed partial class ChartOnOneMachineTests
{
    [Fact]
    public Task The_microservices_release_migrates_starts_every_service_and_passes_its_helm_test() =>
        InstallAndTestAsync(ChartMatrix.Defaults);

    [Fact]
    public Task The_standalone_release_migrates_starts_and_passes_its_helm_test() =>
        InstallAndTestAsync(ChartMatrix.Standalone);

    private static async Task InstallAndTestAsync(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var values = ChartMatrix.Values(file);
        var postgres = await PostgresServer.SharedAsync();
        var database = new NpgsqlConnectionStringBuilder(await postgres.CreateEmptyDatabaseAsync());
        var cluster = new LoopbackCluster(manifests, values.Str("externalDatabase", "host")!, database);

        // pre-install hook: the migration, on an empty database.
        var job = Assert.Single(manifests.OfKind("Job"));
        var migrate = await cluster.RunToCompletionAsync(PodSpec.Of(job).Containers.Single());
        Assert.True(migrate.ExitCode == 0, "migrate job: " + migrate.Output);
        Assert.Contains("schema is at version", migrate.Output);

        // The Deployments, in the chart's order (authz before its callers, the gateway last).
        await using var pods = new PodSet();
        foreach (var component in ChartMatrix.Components(file).OrderBy(StartOrder))
        {
            var deployment = manifests.ForComponent("Deployment", component)!;
            var container = PodSpec.Of(deployment).Containers.Single();
            pods.Add(await cluster.StartAsync(component, container));
        }

        // helm test: the init container, then the container.
        var test = Assert.Single(manifests.OfKind("Pod"), p => p.Str("metadata", "annotations", "helm.sh/hook") == "test");
        foreach (var container in PodSpec.Of(test).AllContainers)
        {
            var result = await cluster.RunToCompletionAsync(container);
            Assert.True(result.ExitCode == 0, $"helm test container {container.Str("name")}: {result.Output}\n{pods.Logs()}");
        }
    }

    private static int StartOrder(string component) =>
        Array.IndexOf(["authz", "catalog", "signer", "management", "events", "gateway", "standalone"], component);

    /// <summary>The rendered Services mapped onto loopback ports, and how to run a container of the chart here.</summary>
    private sealed partial class LoopbackCluster
    {
        private readonly Manifests _manifests;
        private readonly string _databaseHost;
        private readonly NpgsqlConnectionStringBuilder _database;
        private readonly Dictionary<string, int> _serviceAddresses = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Component, string PortName), int> _podPorts = [];

        public LoopbackCluster(Manifests manifests, string databaseHost, NpgsqlConnectionStringBuilder database)
        {
            _manifests = manifests;
            _databaseHost = databaseHost;
            _database = database;
            foreach (var deployment in manifests.OfKind("Deployment"))
            {
                var component = deployment.Str("metadata", "labels", Manifests.ComponentLabel)!;
                var pod = PodSpec.Of(deployment);
                foreach (var port in pod.Containers.Single().Seq("ports"))
                {
                    _podPorts[(component, port.Str("name")!)] = FreePort.Next();
                }

                foreach (var service in manifests.OfKind("Service").Where(s => Manifests.LabelsMatch(s.StrMap("spec", "selector"), pod.Labels)))
                {
                    foreach (var port in service.Seq("spec", "ports"))
                    {
                        _serviceAddresses[$"{service.Str("metadata", "name")}:{port.Str("port")}"] = _podPorts[(component, port.Str("targetPort")!)];
                    }
                }
            }
        }

        public async Task<ServicePod> StartAsync(string component, YamlNode container)
        {
            var environment = Environment(container);
            environment["LAKEKEEPER__SERVER__BINDADDRESS"] = "127.0.0.1";
            if (environment.ContainsKey("LAKEKEEPER__SERVER__INTERNALBINDADDRESS"))
            {
                Assert.Equal("0.0.0.0", environment["LAKEKEEPER__SERVER__INTERNALBINDADDRESS"]);
                environment["LAKEKEEPER__SERVER__INTERNALBINDADDRESS"] = "127.0.0.1";
            }
            foreach (var port in container.Seq("ports"))
            {
                var local = _podPorts[(component, port.Str("name")!)].ToString(System.Globalization.CultureInfo.InvariantCulture);
                var setting = port.Str("name") switch
                {
                    "http" => "LAKEKEEPER__SERVER__LISTENPORT",
                    "grpc" => "LAKEKEEPER__SERVER__INTERNALPORT",
                    "metrics" => "LAKEKEEPER__METRICS_PORT",
                    _ => null,
                };
                if (setting is not null)
                {
                    // The container listens on the port the chart configured; here each pod gets its own.
                    Assert.Equal(port.Str("containerPort"), environment[setting]);
                    environment[setting] = local;
                }
            }

            if (container.Seq("ports").All(p => p.Str("name") != "metrics"))
            {
                Assert.Equal("0", environment["LAKEKEEPER__METRICS_PORT"]); // no port declared, none opened
            }

            var pod = ServicePod.Start(component, Arguments(container), environment);
            var http = _podPorts[(component, "http")];
            var ready = container.Str("readinessProbe", "httpGet", "path")!;
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (true)
            {
                if (pod.HasExited)
                {
                    throw new Xunit.Sdk.XunitException($"{component} exited ({pod.ExitCode}) while starting:\n{pod.Output}");
                }

                try
                {
                    using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{http}{ready}"));
                    if (response.IsSuccessStatusCode)
                    {
                        return pod;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // not listening yet
                }

                if (DateTime.UtcNow > deadline)
                {
                    await pod.DisposeAsync();
                    throw new Xunit.Sdk.XunitException($"{component} was not ready on {ready} within 90 s:\n{pod.Output}");
                }

                await Task.Delay(100);
            }
        }

        public Task<ExternalProcess.Result> RunToCompletionAsync(YamlNode container) =>
            ExternalProcess.RunAsync("bash", [Repository.EntrypointScript, .. Arguments(container)], TimeSpan.FromMinutes(3), environment: Environment(container));

        private List<string> Arguments(YamlNode container)
        {
            Assert.Null(container.At("command")); // the image's entry point runs every container
            return [.. container.Seq("args").Select(a => Rewrite(a.Str()!))];
        }

        /// <summary>The container's environment as the kubelet would assemble it (envFrom, then env).</summary>
        private Dictionary<string, string> Environment(YamlNode container)
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var from in container.Seq("envFrom"))
            {
                var configMap = _manifests.Get("ConfigMap", from.Str("configMapRef", "name")!);
                foreach (var (key, value) in configMap.StrMap("data"))
                {
                    environment[key] = value;
                }
            }

            foreach (var env in container.Seq("env"))
            {
                var name = env.Str("name")!;
                if (env.At("valueFrom", "secretKeyRef") is { } reference)
                {
                    var secret = _manifests.SecretEntries().SingleOrDefault(s => s.Secret == reference.Str("name") && s.Key == reference.Str("key"));
                    Assert.True(secret.Secret is not null || reference.Str("optional") == "true", $"{name}: Secret {reference.Str("name")} key {reference.Str("key")} is not rendered");
                    if (secret.Secret is not null)
                    {
                        environment[name] = secret.Value;
                    }
                }
                else
                {
                    environment[name] = env.Str("value") ?? "";
                }
            }

            foreach (var key in environment.Keys.ToList())
            {
                environment[key] = Rewrite(environment[key]);
            }

            if (environment.TryGetValue("LAKEKEEPER__DATABASE__CONNECTIONSTRING", out var connectionString))
            {
                var rendered = new NpgsqlConnectionStringBuilder(connectionString);
                Assert.Equal(_databaseHost, rendered.Host);
                rendered.Host = _database.Host;
                rendered.Port = _database.Port;
                rendered.Database = _database.Database;
                rendered.Username = _database.Username;
                environment["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = rendered.ConnectionString;
            }

            environment["LAKEKEEPER_APP_DIR"] = "";
            if (container.Seq("args").FirstOrDefault()?.Str() is { } service && EntrypointScript.HostAssemblies().ContainsKey(service))
            {
                environment["LAKEKEEPER_APP_DIR"] = Path.GetDirectoryName(ServiceProcess.HostDll(service))!;
            }

            return environment;
        }

        /// <summary>http://&lt;service&gt;:&lt;port&gt; of a rendered Service becomes the loopback port of its pod.</summary>
        private string Rewrite(string value) =>
            ServiceUrl().Replace(value, match =>
                _serviceAddresses.TryGetValue($"{match.Groups["host"].Value}:{match.Groups["port"].Value}", out var local)
                    ? $"http://127.0.0.1:{local}"
                    : match.Value);

        [GeneratedRegex(@"http://(?<host>[a-z0-9-]+):(?<port>\d+)")]
        private static partial Regex ServiceUrl();
    }

    /// <summary>A service started through the entry point script (which execs dotnet).</summary>
    private sealed class ServicePod : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ServicePod(string component, Process process)
        {
            Component = component;
            _process = process;
        }

        public string Component { get; }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static ServicePod Start(string component, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
        {
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Repository.EntrypointScript);
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }

            var process = new Process { StartInfo = info };
            var pod = new ServicePod(component, process);
            process.OutputDataReceived += (_, e) => pod.Append(e.Data);
            process.ErrorDataReceived += (_, e) => pod.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return pod;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }

    private sealed class PodSet : IAsyncDisposable
    {
        private readonly List<ServicePod> _pods = [];

        public void Add(ServicePod pod) => _pods.Add(pod);

        public string Logs() =>
            string.Join("\n", _pods.Select(p => $"--- {p.Component} ---\n{Tail(p.Output)}"));

        public async ValueTask DisposeAsync()
        {
            foreach (var pod in _pods)
            {
                await pod.DisposeAsync();
            }
        }

        private static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];
    }
}
